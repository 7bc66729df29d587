using Alerting.Cli;

var commands = typeof(ICliCommand).Assembly.GetTypes()
    .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(ICliCommand).IsAssignableFrom(t))
    .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
    .OrderByDescending(c => c.Verb.Count)
    .ToList();

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

var match = commands.FirstOrDefault(c =>
    c.Verb.Count <= args.Length && c.Verb.Select((w, i) => string.Equals(w, args[i], StringComparison.Ordinal)).All(x => x));
if (match is null)
{
    Console.Error.WriteLine("usage: alerting <command> [args]");
    foreach (var c in commands.OrderBy(c => string.Join(' ', c.Verb), StringComparer.Ordinal))
    {
        Console.Error.WriteLine($"  {string.Join(' ', c.Verb),-24} {c.Summary}");
    }
    return args.Length == 0 || args[0] is "help" or "--help" or "-h" ? 0 : 2;
}

return await match.RunAsync(args.Skip(match.Verb.Count).ToArray(), Console.Out, Console.Error, cts.Token);
