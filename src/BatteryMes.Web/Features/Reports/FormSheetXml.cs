using System.Buffers;
using System.Globalization;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;

namespace BatteryMes.Web.Features.Reports;

/// <summary>The form sheet's XML cut once into fixed text and "slots" (the cells the app fills: title-block cells and
/// each check row's columns, all found by <see cref="FormLayout"/>). A pack's sheet is then the fixed text with each
/// slot written as an inline string, keeping the cell's style index; merges, column widths, page setup and everything
/// else come through byte for byte. A slot the pack has no value for is written empty: whatever the template held
/// there (a sample value such as "OK" or "Test-006") is cleared, never printed as if it were the pack's. This is what makes a master with a sheet per pack fast: ClosedXML copies a sheet
/// cell by cell and range by range (seconds per sheet), while this is string concatenation (about a millisecond).</summary>
public sealed class FormSheetXml
{
    private readonly string[] _fixed;
    private readonly Slot[] _slots;
    private readonly Dictionary<(int Row, int Column), int> _slotAt;

    /// <summary>One fillable cell: its opening tag without the closing bracket (reference and style, as in the
    /// template), the element name with prefix, and the cell emptied (style kept) for when the pack has no value.</summary>
    private sealed record Slot(string OpenTag, string Prefix, string Empty);

    private FormSheetXml(string[] @fixed, Slot[] slots, Dictionary<(int, int), int> slotAt)
    {
        _fixed = @fixed;
        _slots = slots;
        _slotAt = slotAt;
        _fixedUtf8 = new(() => @fixed.Select(Encoding.UTF8.GetBytes).Concat(slots.Select(x => Encoding.UTF8.GetBytes(x.Empty))).ToArray());
    }

    public int SlotCount => _slots.Length;

    /// <summary>The cells the app may fill: the title cells, the note cell and, on each check row, the columns of its
    /// section. A cell inside a merged range other than its top-left one is left out: Excel would hide its value.</summary>
    public static IEnumerable<(int Row, int Column)> Positions(FormLayout layout)
    {
        foreach (var cell in new[] { layout.SerialNumberCell, layout.PackAndModulesCell, layout.DateIssuedCell, layout.NoteCell })
            if (cell is { } at) yield return at;
        foreach (var row in layout.Rows.Values)
            foreach (var column in row.Section.Columns.Values)
                yield return (row.Row, column);
    }

    public static FormSheetXml Compile(WorksheetPart part, FormLayout layout)
    {
        var worksheet = (Worksheet)part.Worksheet.CloneNode(true);
        // Only the summary sheet is selected in a master; a form sheet copied with tabSelected would be grouped with it.
        foreach (var view in worksheet.Descendants<SheetView>()) view.TabSelected = null;
        var sheetData = worksheet.GetFirstChild<SheetData>() ?? worksheet.AppendChild(new SheetData());
        var hidden = HiddenByMerges(worksheet);
        // The prefix the template's XML gives the spreadsheet namespace ("x:" from ClosedXML, none from Excel).
        var elementPrefix = string.IsNullOrEmpty(part.Worksheet.Prefix) ? "" : part.Worksheet.Prefix + ":";

        var rows = new SortedDictionary<uint, Row>();
        foreach (var row in sheetData.Elements<Row>())
            if (row.RowIndex?.Value is { } index) rows[index] = row;

        var slotCells = new List<(Cell Cell, Slot Slot)>();
        var slotAt = new Dictionary<(int, int), int>();
        // In document order (rows, then columns), so that the XML can be cut in one pass.
        foreach (var (rowNumber, column) in Positions(layout).Distinct().OrderBy(p => p.Row).ThenBy(p => p.Column))
        {
            if (hidden.Contains((rowNumber, column))) continue;
            var row = RowAt(sheetData, rows, (uint)rowNumber);
            var reference = CellName(rowNumber, column);
            var cell = CellAt(row, reference, column);
            var prefix = elementPrefix + "c";
            var openTag = new StringBuilder("<").Append(prefix).Append(" r=\"").Append(reference).Append('"');
            if (cell.StyleIndex?.Value is { } style) openTag.Append(" s=\"").Append(style).Append('"');
            slotAt[(rowNumber, column)] = slotCells.Count;
            slotCells.Add((cell, new Slot(openTag.ToString(), prefix, openTag + "/>")));
        }
        // Markers go in only once every slot is found: CellAt reads the references of the cells around it.
        for (var i = 0; i < slotCells.Count; i++)
        {
            var cell = slotCells[i].Cell;
            cell.InsertAfterSelf(new Cell { CellReference = $"\u00a7slot{i}\u00a7" });
            cell.Remove();
        }

        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n" + worksheet.OuterXml;
        var pieces = new string[slotCells.Count + 1];
        var at = 0;
        for (var i = 0; i < slotCells.Count; i++)
        {
            var token = xml.IndexOf($"\"\u00a7slot{i}\u00a7\"", at, StringComparison.Ordinal);
            var start = xml.LastIndexOf('<', token);
            var end = xml.IndexOf("/>", token, StringComparison.Ordinal) + 2;
            pieces[i] = xml[at..start];
            at = end;
        }
        pieces[^1] = xml[at..];
        return new FormSheetXml(pieces, slotCells.Select(s => s.Slot).ToArray(), slotAt);
    }

    /// <summary>Writes the filled sheet as the content of a worksheet part (UTF-8, no byte order mark). The fixed
    /// text is kept as UTF-8 bytes (made once), so that a sheet is mostly copied, not encoded: a master of 1,000
    /// sheets writes ~80 MB of it.</summary>
    public void WriteTo(WorksheetPart part, IEnumerable<(int Row, int Column, string Value)> values)
    {
        using var stream = part.GetStream(FileMode.Create, FileAccess.Write);
        WriteTo(stream, values);
    }

    /// <summary>Writes the filled sheet into a stream (a worksheet part's, or a ZIP entry's).</summary>
    public void WriteTo(Stream stream, IEnumerable<(int Row, int Column, string Value)> values)
    {
        var fixedUtf8 = _fixedUtf8.Value;
        var filled = Fill(values);
        // Each filled cell is composed in one reused builder and encoded into one reused buffer: a sheet has hundreds.
        var cell = new StringWriter(CultureInfo.InvariantCulture);
        var text = cell.GetStringBuilder();
        var chars = ArrayPool<char>.Shared.Rent(1024);
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars.Length));
        try
        {
            for (var i = 0; i < _slots.Length; i++)
            {
                stream.Write(fixedUtf8[i]);
                if (filled[i] is not { } value)
                {
                    stream.Write(fixedUtf8[_slots.Length + 1 + i]);
                    continue;
                }
                text.Clear();
                WriteCell(cell, _slots[i], value);
                if (text.Length > chars.Length)
                {
                    ArrayPool<char>.Shared.Return(chars);
                    ArrayPool<byte>.Shared.Return(bytes);
                    chars = ArrayPool<char>.Shared.Rent(text.Length);
                    bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(chars.Length));
                }
                text.CopyTo(0, chars, text.Length);
                stream.Write(bytes, 0, Encoding.UTF8.GetBytes(chars, 0, text.Length, bytes, 0));
            }
            stream.Write(fixedUtf8[_slots.Length]);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>The fixed pieces, then each slot's original cell, as UTF-8.</summary>
    private readonly Lazy<byte[][]> _fixedUtf8;

    /// <summary>The slot values (row, column, text). Values for cells that are not slots are ignored (they lie inside
    /// someone else's merged range).</summary>
    private string?[] Fill(IEnumerable<(int Row, int Column, string Value)> values)
    {
        var filled = new string?[_slots.Length];
        foreach (var (row, column, value) in values)
            if (value.Length > 0 && _slotAt.TryGetValue((row, column), out var index)) filled[index] = value;
        return filled;
    }

    private static void WriteCell(TextWriter output, Slot slot, string value)
    {
        var ns = slot.Prefix.Length > 1 ? slot.Prefix[..^1] : "";
        output.Write(slot.OpenTag);
        output.Write(" t=\"inlineStr\"><");
        output.Write(ns); output.Write("is><");
        output.Write(ns); output.Write("t xml:space=\"preserve\">");
        // An inline string is text to Excel and LibreOffice: "=SUM(A1)" or "-5 mV" shows as typed and is never run, so
        // no apostrophe is added (it would be printed on the form).
        WriteEscaped(output, value);
        output.Write("</"); output.Write(ns); output.Write("t></");
        output.Write(ns); output.Write("is></");
        output.Write(slot.Prefix); output.Write('>');
    }

    private static void WriteEscaped(TextWriter output, string text)
    {
        foreach (var ch in text)
        {
            switch (ch)
            {
                case '&': output.Write("&amp;"); break;
                case '<': output.Write("&lt;"); break;
                case '>': output.Write("&gt;"); break;
                case '\t' or '\n' or '\r': output.Write(ch); break;
                // Characters XML 1.0 cannot carry would make the whole file unreadable: leave them out.
                case < ' ' or '\uFFFE' or '\uFFFF': break;
                default: output.Write(ch); break;
            }
        }
    }

    private static HashSet<(int, int)> HiddenByMerges(Worksheet worksheet)
    {
        var hidden = new HashSet<(int, int)>();
        foreach (var merge in worksheet.Descendants<MergeCell>())
        {
            if (merge.Reference?.Value?.Split(':') is not [var first, var last]) continue;
            var (r1, c1) = Parse(first);
            var (r2, c2) = Parse(last);
            for (var r = r1; r <= r2; r++)
                for (var c = c1; c <= c2; c++)
                    if (r != r1 || c != c1) hidden.Add((r, c));
        }
        return hidden;
    }

    private static Row RowAt(SheetData sheetData, SortedDictionary<uint, Row> rows, uint index)
    {
        if (rows.TryGetValue(index, out var row)) return row;
        row = new Row { RowIndex = index };
        var next = rows.FirstOrDefault(r => r.Key > index).Value;
        if (next is null) sheetData.AppendChild(row); else next.InsertBeforeSelf(row);
        rows[index] = row;
        return row;
    }

    private static Cell CellAt(Row row, string reference, int column)
    {
        Cell? next = null;
        foreach (var cell in row.Elements<Cell>())
        {
            if (cell.CellReference?.Value is not { } name) continue;
            var at = Parse(name).Column;
            if (at == column) return cell;
            if (at > column) { next = cell; break; }
        }
        var created = new Cell { CellReference = reference };
        if (next is null) row.AppendChild(created); else next.InsertBeforeSelf(created);
        return created;
    }

    public static string CellName(int row, int column)
    {
        var letters = "";
        for (var c = column; c > 0; c = (c - 1) / 26) letters = (char)('A' + (c - 1) % 26) + letters;
        return letters + row;
    }

    private static (int Row, int Column) Parse(string reference)
    {
        var column = 0;
        var i = 0;
        for (; i < reference.Length && char.IsLetter(reference[i]); i++) column = column * 26 + (char.ToUpperInvariant(reference[i]) - 'A' + 1);
        var row = int.Parse(reference.AsSpan(i).TrimStart('$'), System.Globalization.CultureInfo.InvariantCulture);
        return (row, column);
    }
}
