using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Configuration;

/// <summary>Times are stored in UTC and shown in the plant's local time.</summary>
public sealed class PlantClock(TimeProvider time, IOptions<ServerOptions> server)
{
    private readonly TimeZoneInfo _zone = string.IsNullOrWhiteSpace(server.Value.TimeZone)
        ? TimeZoneInfo.Local
        : TimeZoneInfo.FindSystemTimeZoneById(server.Value.TimeZone);

    public TimeZoneInfo Zone => _zone;
    public DateTime UtcNow => time.GetUtcNow().UtcDateTime;
    public DateTime LocalNow => ToLocal(UtcNow);
    public DateOnly Today => DateOnly.FromDateTime(LocalNow);

    public DateTime ToLocal(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), _zone);
    public DateTime? ToLocal(DateTime? utc) => utc is { } u ? ToLocal(u) : null;

    public string Format(DateTime? utc, string format = "yyyy-MM-dd HH:mm") => utc is { } u ? ToLocal(u).ToString(format) : "";

    /// <summary>The UTC instant at which a plant-local day starts.</summary>
    public DateTime StartOfDayUtc(DateOnly day) =>
        TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(day.ToDateTime(TimeOnly.MinValue), DateTimeKind.Unspecified), _zone);

    /// <summary>The UTC instant at which a plant-local day ends (the next one starts). The calendar's last day
    /// (9999-12-31, which a date field allows) has no next day: it ends at <see cref="DateTime.MaxValue"/>.</summary>
    public DateTime EndOfDayUtc(DateOnly day) => day == DateOnly.MaxValue ? DateTime.MaxValue : StartOfDayUtc(day.AddDays(1));
}
