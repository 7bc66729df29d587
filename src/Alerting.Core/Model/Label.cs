namespace Alerting.Core.Model;

/// <summary>One name/value pair of a label set.</summary>
public readonly record struct Label(string Name, string Value);
