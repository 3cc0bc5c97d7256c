using System.Globalization;
using System.Text;
using BatteryMes.Web.Features.Reports;

namespace BatteryMes.Tests.Reports;

public class StoredTimeTests
{
    [Theory]
    [InlineData("2025-11-30 09:28:55.2258")]
    [InlineData("2025-11-30 09:28:55")]
    [InlineData("2024-02-29 23:59:59.9999999")]
    [InlineData("0001-01-01 00:00:00.1")]
    [InlineData("2025-11-30T09:28:55.1234567")]
    [InlineData("2025-11-30 09:28")]
    public void A_stored_time_reads_as_Microsoft_Data_Sqlite_reads_it(string stored)
    {
        var expected = DateTime.SpecifyKind(DateTime.Parse(stored, CultureInfo.InvariantCulture), DateTimeKind.Utc);

        var read = StoredTime.Parse(Encoding.UTF8.GetBytes(stored));

        Assert.Equal(expected, read);
        Assert.Equal(DateTimeKind.Utc, read.Kind);
    }

    [Fact]
    public void Times_written_the_way_EF_Core_writes_them_read_back_to_the_tick()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var time = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerDay * 3650));
            var stored = time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

            Assert.Equal(time, StoredTime.Parse(Encoding.UTF8.GetBytes(stored)));
        }
    }

    [Theory]
    [InlineData("2025-13-30 09:28:55")]
    [InlineData("2025-02-30 09:28:55")]
    [InlineData("not a time")]
    [InlineData("")]
    public void Text_that_is_no_time_is_refused_with_the_text_named(string stored)
    {
        var error = Assert.Throws<FormatException>(() => StoredTime.Parse(Encoding.UTF8.GetBytes(stored)));

        Assert.Contains($"'{stored}'", error.Message);
    }
}
