using System.Globalization;
using System.Text;
using BatteryMes.Web.Domain;
using CsvHelper;

namespace BatteryMes.Web.Features.CellImport;

/// <summary>The app's fields a cell file can carry. The names are the keys of a saved mapping.</summary>
public enum CellField
{
    CellId,
    Lot,
    CapacityAh,
    VoltageV,
    ResistanceMilliOhm,
}

public static class CellFields
{
    public static readonly IReadOnlyList<CellField> All = Enum.GetValues<CellField>();

    public static string Label(this CellField field) => field switch
    {
        CellField.CellId => "Cell ID",
        CellField.Lot => "Lot",
        CellField.CapacityAh => "Capacity (Ah)",
        CellField.VoltageV => "Voltage (V)",
        CellField.ResistanceMilliOhm => "Internal resistance (mOhm)",
        _ => field.ToString(),
    };

    /// <summary>Plausible range of a cell's value: beyond it the number is a unit or column mistake (mV for V, Ohm for mOhm).</summary>
    public static (double Min, double Max)? Range(this CellField field) => field switch
    {
        CellField.CapacityAh => (0, 1000),
        CellField.VoltageV => (0, 5),
        CellField.ResistanceMilliOhm => (0, 1000),
        _ => null,
    };

    // Headers as suppliers and sorting machines write them, compared without case, spaces or punctuation.
    private static readonly Dictionary<string, CellField> Known = new()
    {
        ["cellid"] = CellField.CellId, ["cell"] = CellField.CellId, ["cellserial"] = CellField.CellId, ["cellno"] = CellField.CellId,
        ["cellnumber"] = CellField.CellId, ["serial"] = CellField.CellId, ["serialno"] = CellField.CellId, ["serialnumber"] = CellField.CellId,
        ["sn"] = CellField.CellId, ["id"] = CellField.CellId, ["barcode"] = CellField.CellId, ["cellbarcode"] = CellField.CellId, ["code"] = CellField.CellId,
        ["lot"] = CellField.Lot, ["lotno"] = CellField.Lot, ["lotnumber"] = CellField.Lot, ["lotid"] = CellField.Lot, ["batch"] = CellField.Lot,
        ["batchno"] = CellField.Lot, ["batchnumber"] = CellField.Lot, ["batchid"] = CellField.Lot,
        ["capacity"] = CellField.CapacityAh, ["capacityah"] = CellField.CapacityAh, ["cap"] = CellField.CapacityAh, ["capah"] = CellField.CapacityAh,
        ["ah"] = CellField.CapacityAh,
        ["voltage"] = CellField.VoltageV, ["voltagev"] = CellField.VoltageV, ["v"] = CellField.VoltageV, ["ocv"] = CellField.VoltageV,
        ["ocvv"] = CellField.VoltageV, ["opencircuitvoltage"] = CellField.VoltageV, ["cellvoltage"] = CellField.VoltageV,
        ["ir"] = CellField.ResistanceMilliOhm, ["irmohm"] = CellField.ResistanceMilliOhm, ["irmω"] = CellField.ResistanceMilliOhm,
        ["resistance"] = CellField.ResistanceMilliOhm, ["resistancemohm"] = CellField.ResistanceMilliOhm, ["internalresistance"] = CellField.ResistanceMilliOhm,
        ["internalresistancemohm"] = CellField.ResistanceMilliOhm, ["acir"] = CellField.ResistanceMilliOhm, ["acirmohm"] = CellField.ResistanceMilliOhm,
        ["dcir"] = CellField.ResistanceMilliOhm,
    };

    public static string Key(string header) => new string(header.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();

    /// <summary>The field a header names, if it is one of the common spellings.</summary>
    public static CellField? Match(string header) => Known.TryGetValue(Key(header), out var field) ? field : null;
}

public sealed record CellRow(int RowNumber, string CellId, string? Lot, double? CapacityAh, double? VoltageV, double? ResistanceMilliOhm);

/// <summary>One problem in one row: the file's row number (the header is row 1), the column, the value and why.</summary>
public sealed record CellRowError(int Row, string Column, string? Value, string Message);

/// <summary>The file read with one mapping: its headers, the mapping used, the good rows and the row errors.</summary>
public sealed record CellFile(
    string Delimiter,
    IReadOnlyList<string> Headers,
    IReadOnlyDictionary<CellField, string> Columns,
    IReadOnlyList<CellRow> Rows,
    IReadOnlyList<CellRowError> Errors,
    int DataRows);

/// <summary>Reads a cell data CSV: separator ',', ';' or tab (whichever the header line uses most), UTF-8 with or without
/// a byte order mark, numbers with a decimal point or, where unambiguous, a decimal comma.</summary>
public static class CellCsvReader
{
    public const int MaxErrors = 1000;

    public static string Decode(byte[] bytes) => new UTF8Encoding(false, throwOnInvalidBytes: false).GetString(bytes).TrimStart('\uFEFF');

    public static string DetectDelimiter(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        var header = end < 0 ? text : text[..end];
        var candidates = new[] { ",", ";", "\t" };
        return candidates.OrderByDescending(c => header.Count(ch => ch == c[0])).ThenBy(c => Array.IndexOf(candidates, c)).First();
    }

    /// <summary>Reads <paramref name="text"/>. <paramref name="requested"/> maps fields to headers (a user's choice or the saved
    /// mapping; an empty header: the field is not in the file); a field it does not name, or names with a header the file
    /// lacks, is matched by common header names.</summary>
    public static CellFile Read(string text, IReadOnlyDictionary<CellField, string>? requested)
    {
        text = text.TrimStart('\uFEFF');
        var delimiter = DetectDelimiter(text);
        var options = new CsvReaderOptions
        {
            Separator = delimiter[0],
            HasHeader = true,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
        };
        using var reader = CsvReader.FromText(text, options);
        var errors = new List<CellRowError>();
        var headers = reader.Headers.Select(h => h.Trim()).ToList();
        if (headers.Count == 0 || headers.All(string.IsNullOrWhiteSpace))
            return new CellFile(delimiter, [], new Dictionary<CellField, string>(), [], [new CellRowError(1, "", null, "The file is empty: the first line must name the columns (for example Cell ID;Lot;Capacity;Voltage;IR).")], 0);

        var columns = Map(headers, requested);
        var index = columns.ToDictionary(c => c.Key, c => headers.IndexOf(c.Value));
        if (!columns.ContainsKey(CellField.CellId))
            errors.Add(new CellRowError(1, "", null, $"No column is mapped to Cell ID. Choose the column that holds the cell IDs (the file's columns: {string.Join(", ", headers)})."));

        var rows = new List<CellRow>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var dataRows = 0;
        while (reader.Read())
        {
            // The line in the file, as an editor shows it (the header is line 1).
            var rowNumber = (int)reader.LineNumber;
            var record = new string[reader.FieldCount];
            for (var i = 0; i < record.Length; i++) record[i] = reader.GetString(i);
            if (record.All(string.IsNullOrWhiteSpace)) continue;
            dataRows++;
            if (!columns.ContainsKey(CellField.CellId)) continue;
            string? Field(CellField f) => index.TryGetValue(f, out var i) && i < record.Length && !string.IsNullOrWhiteSpace(record[i]) ? record[i].Trim() : null;
            var before = errors.Count;

            var rawId = Field(CellField.CellId);
            string id = "";
            if (ComponentSerial.Validate(rawId, "cell ID") is { } idError) Add(rowNumber, columns[CellField.CellId], rawId, idError);
            else
            {
                id = ComponentSerial.Canonical(rawId!);
                if (seen.TryGetValue(id, out var firstRow)) Add(rowNumber, columns[CellField.CellId], rawId, $"Cell {id} is already in row {firstRow} of this file.");
                else seen[id] = rowNumber;
            }

            var lot = Field(CellField.Lot);
            if (lot is not null && ComponentSerial.Validate(lot, "lot") is { } lotError) Add(rowNumber, columns[CellField.Lot], lot, lotError);

            double? Number(CellField f)
            {
                var raw = Field(f);
                if (raw is null) return null;
                if (!TryParseNumber(raw, out var value))
                {
                    Add(rowNumber, columns[f], raw, $"'{EchoedInput.Display(raw, 40)}' is not a number ({f.Label()}).");
                    return null;
                }
                if (value < 0) Add(rowNumber, columns[f], raw, $"{f.Label()} cannot be negative.");
                else if (f.Range() is { } range && (value <= range.Min && f != CellField.VoltageV || value > range.Max))
                    Add(rowNumber, columns[f], raw, $"{value.ToString(CultureInfo.InvariantCulture)} is not a plausible {f.Label()}: expected above {range.Min} and at most {range.Max}. Check the unit of the column.");
                return value;
            }
            var capacity = Number(CellField.CapacityAh);
            var voltage = Number(CellField.VoltageV);
            var resistance = Number(CellField.ResistanceMilliOhm);
            if (errors.Count == before) rows.Add(new CellRow(rowNumber, id, lot, capacity, voltage, resistance));
        }
        return new CellFile(delimiter == "\t" ? "tab" : delimiter, headers, columns, rows, errors, dataRows);

        void Add(int row, string column, string? value, string message)
        {
            if (errors.Count < MaxErrors) errors.Add(new CellRowError(row, column, value is null ? null : EchoedInput.Display(value, 80), message));
        }
    }

    private static Dictionary<CellField, string> Map(IReadOnlyList<string> headers, IReadOnlyDictionary<CellField, string>? requested)
    {
        var columns = new Dictionary<CellField, string>();
        // An empty header means "not in the file": the field is left out, not matched by name.
        var excluded = (requested ?? new Dictionary<CellField, string>()).Where(r => r.Value.Length == 0).Select(r => r.Key).ToHashSet();
        foreach (var (field, header) in (requested ?? new Dictionary<CellField, string>()).Where(r => r.Value.Length > 0))
        {
            var found = headers.FirstOrDefault(h => string.Equals(h, header, StringComparison.Ordinal))
                ?? headers.FirstOrDefault(h => CellFields.Key(h) == CellFields.Key(header));
            if (found is not null) columns[field] = found;
        }
        foreach (var header in headers)
            if (CellFields.Match(header) is { } field && !excluded.Contains(field) && !columns.ContainsKey(field) && !columns.ContainsValue(header))
                columns[field] = header;
        return columns;
    }

    /// <summary>"3.591", "3,591" (a decimal comma: one comma, no point), "12". A comma beside a point ("1,234.5") is
    /// thousands grouping; two commas are ambiguous and refused.</summary>
    public static bool TryParseNumber(string text, out double value)
    {
        var t = text.Trim();
        var commas = t.Count(c => c == ',');
        if (commas == 1 && !t.Contains('.')) t = t.Replace(',', '.');
        else if (commas > 0 && t.Contains('.')) t = t.Replace(",", "");
        else if (commas > 1) { value = 0; return false; }
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
