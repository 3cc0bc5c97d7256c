using BatteryMes.Web.Configuration;
using BatteryMes.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.Dashboard;

/// <summary>A dashboard panel that reads its figures and reads them again after every change anywhere (debounced by
/// <see cref="DashboardOptions.RefreshDelayMilliseconds"/>), through the circuit's dispatcher.</summary>
public abstract class LivePanel : ComponentBase, IDisposable
{
    private LiveRefresh? _live;

    [Inject] protected PackChangeFeed Feed { get; set; } = null!;
    [Inject] protected IOptions<DashboardOptions> Settings { get; set; } = null!;
    [Inject] protected PlantClock Clock { get; set; } = null!;
    [Inject] protected ILogger<LivePanel> Log { get; set; } = null!;

    /// <summary>When this panel last read its figures.</summary>
    protected DateTime? LastUpdatedUtc { get; private set; }

    /// <summary>Raised after every read, so the page can show one "Last updated" time.</summary>
    [Parameter] public EventCallback<DateTime> Updated { get; set; }

    protected abstract Task LoadAsync();

    protected async Task ReloadAsync()
    {
        await LoadAsync();
        LastUpdatedUtc = Clock.UtcNow;
        await Updated.InvokeAsync(LastUpdatedUtc.Value);
    }

    protected override async Task OnInitializedAsync() => await ReloadAsync();

    protected override void OnAfterRender(bool firstRender)
    {
        // Subscribed only once the circuit is live: a prerendered copy of the page never listens.
        if (firstRender)
            _live = new LiveRefresh(Feed, TimeSpan.FromMilliseconds(Settings.Value.RefreshDelayMilliseconds),
                () => InvokeAsync(async () =>
                {
                    await ReloadAsync();
                    StateHasChanged();
                }), Log);
    }

    public virtual void Dispose()
    {
        _live?.Dispose();
        GC.SuppressFinalize(this);
    }
}
