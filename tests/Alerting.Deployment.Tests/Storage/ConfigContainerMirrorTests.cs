using Alerting.Deployment.Tests.Infrastructure;
using Alerting.Functions.Options;
using Alerting.Functions.Pipeline;
using Alerting.Functions.Storage;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Alerting.Deployment.Tests.Storage;

/// <summary>
/// Config files read from a blob container (real Azurite): uploaded files appear in the local folder the app
/// reads, a changed blob replaces its file and is reloaded, a deleted blob disappears.
/// </summary>
public sealed class ConfigContainerMirrorTests(ConfigContainerMirrorTests.Storage storage) : IClassFixture<ConfigContainerMirrorTests.Storage>, IAsyncLifetime
{
    private static int _next;

    // Each test has its own container in one shared Azurite.
    private readonly string Container = $"config-{Interlocked.Increment(ref _next)}";
    private readonly Azurite _azurite = storage.Azurite;
    private BlobContainerClient _container = null!;
    private string _folder = null!;

    public sealed class Storage : IAsyncLifetime
    {
        public Azurite Azurite { get; private set; } = null!;

        public async Task InitializeAsync() => Azurite = await Azurite.StartAsync();

        public async Task DisposeAsync() => await Azurite.DisposeAsync();
    }

    public async Task InitializeAsync()
    {
        _container = new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(Container);
        await _container.CreateIfNotExistsAsync();
        _folder = Path.Combine(Directory.CreateTempSubdirectory("alerting-config-").FullName, "mirror");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);
        return Task.CompletedTask;
    }

    private ConfigContainerMirror Mirror() => new(
        new BlobServiceClient(_azurite.ConnectionString),
        Options.Create(new ConfigContainerOptions { Name = Container, LocalPath = _folder }),
        NullLogger<ConfigContainerMirror>.Instance);

    private Task Upload(string name, string content) => _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(content), overwrite: true);

    private static string Receiver(string name) => $"""
        route:
          receiver: {name}
        receivers:
          - name: {name}
        """;

    [Fact]
    public async Task Blobs_become_files_under_the_local_folder_with_their_paths()
    {
        await Upload("alertmanager.yml", Receiver("team"));
        await Upload("templates/extra.tmpl", "{{ define \"x\" }}x{{ end }}");

        var (written, removed) = await Mirror().SyncAsync(CancellationToken.None);

        Assert.Equal((2, 0), (written, removed));
        Assert.Equal(Receiver("team"), await File.ReadAllTextAsync(Path.Combine(_folder, "alertmanager.yml")));
        Assert.True(File.Exists(Path.Combine(_folder, "templates", "extra.tmpl")));
    }

    [Fact]
    public async Task An_unchanged_container_is_not_downloaded_again()
    {
        await Upload("a.rules.yml", "groups: []\n");
        var mirror = Mirror();
        await mirror.SyncAsync(CancellationToken.None);

        Assert.Equal((0, 0), await mirror.SyncAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_changed_blob_is_reloaded_by_the_app_without_a_restart_and_a_deleted_one_disappears()
    {
        await Upload("alertmanager.yml", Receiver("before"));
        await Upload("old.rules.yml", "groups: []\n");
        var mirror = Mirror();
        await mirror.SyncAsync(CancellationToken.None);
        var templates = Path.Combine(Repo.Root, "rules", "templates");
        var provider = new ConfigProvider(
            // The app checks the files every ConfigCheckInterval; zero makes every read check, as a later tick would.
            Options.Create(new AlertingOptions { AlertmanagerConfigPath = Path.Combine(_folder, "alertmanager.yml"), DefaultTemplatesPath = templates, ConfigCheckInterval = TimeSpan.Zero }),
            NullLogger<ConfigProvider>.Instance);
        Assert.Equal("before", provider.Alertmanager().Config.Root.Receiver);

        await Upload("alertmanager.yml", Receiver("after"));
        await _container.DeleteBlobAsync("old.rules.yml");
        Assert.Equal((1, 1), await mirror.SyncAsync(CancellationToken.None));

        Assert.Equal("after", provider.Alertmanager().Config.Root.Receiver);
        Assert.False(File.Exists(Path.Combine(_folder, "old.rules.yml")));
    }

    [Fact]
    public async Task The_first_copy_is_made_before_the_host_has_started()
    {
        await Upload("alertmanager.yml", Receiver("team"));
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerting:ConfigContainer:Name"] = Container,
            ["Alerting:ConfigContainer:LocalPath"] = _folder,
        });
        builder.Services.AddSingleton(new BlobServiceClient(_azurite.ConnectionString));
        builder.Services.AddConfigContainerMirror(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            Assert.True(File.Exists(Path.Combine(_folder, "alertmanager.yml")));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task An_invalid_container_name_stops_the_app_at_start_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Alerting:ConfigContainer:Name"] = "Not_A_Container" });
        builder.Services.AddSingleton(new BlobServiceClient(_azurite.ConnectionString));
        builder.Services.AddConfigContainerMirror(builder.Configuration);
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Alerting__ConfigContainer__Name", e.Message, StringComparison.Ordinal);
    }
}
