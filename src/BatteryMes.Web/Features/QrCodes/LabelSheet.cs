using System.Globalization;
using System.Net;
using System.Text;

namespace BatteryMes.Web.Features.QrCodes;

/// <summary>What a saved batch holds (batch.json in its folder): enough to print its sheet again later.</summary>
public sealed record BatchManifest(
    string BatchId,
    DateTime CreatedUtc,
    int WidthPixels,
    int HeightPixels,
    int Dpi,
    string ZipFileName,
    IReadOnlyList<ManifestLabel> Labels)
{
    public double WidthMillimetres => WidthPixels * 25.4 / Dpi;
    public double HeightMillimetres => HeightPixels * 25.4 / Dpi;
}

public sealed record ManifestLabel(string PackId, string Payload, string File);

/// <summary>The printable A4 sheet: labels at their physical size in a grid, one label per cell, split into pages
/// explicitly so that no label is cut by a page break.</summary>
public static class LabelSheet
{
    public const double PageWidthMm = 210, PageHeightMm = 297, MarginMm = 8, GapMm = 2;
    public const double UsableWidthMm = PageWidthMm - 2 * MarginMm, UsableHeightMm = PageHeightMm - 2 * MarginMm;

    public static (int Columns, int Rows) Grid(double labelWidthMm, double labelHeightMm) =>
        (Math.Max(1, (int)((UsableWidthMm + GapMm) / (labelWidthMm + GapMm))),
         Math.Max(1, (int)((UsableHeightMm + GapMm) / (labelHeightMm + GapMm))));

    public static string Styles(BatchManifest batch)
    {
        var (columns, _) = Grid(batch.WidthMillimetres, batch.HeightMillimetres);
        var w = Mm(batch.WidthMillimetres);
        var h = Mm(batch.HeightMillimetres);
        return $$"""
            @page { size: A4 portrait; margin: {{Mm(MarginMm)}}mm; }
            html, body { margin: 0; background: #e8eaed; }
            .label-sheet { font-family: sans-serif; }
            .label-page { box-sizing: border-box; width: {{Mm(UsableWidthMm)}}mm; min-height: {{Mm(UsableHeightMm)}}mm; margin: 8mm auto; background: #fff;
              display: grid; grid-template-columns: repeat({{columns}}, {{w}}mm); grid-auto-rows: {{h}}mm; gap: {{Mm(GapMm)}}mm; align-content: start; }
            .label-cell { width: {{w}}mm; height: {{h}}mm; outline: 0.2mm dashed #c8c8c8; break-inside: avoid; page-break-inside: avoid; }
            .label-cell img { display: block; width: {{w}}mm; height: {{h}}mm; image-rendering: pixelated; }
            .sheet-toolbar { max-width: {{Mm(UsableWidthMm)}}mm; margin: 4mm auto 0; display: flex; gap: 16px; align-items: center; }
            .sheet-toolbar button { font-size: 18px; padding: 12px 28px; cursor: pointer; background: #1565c0; color: #fff; border: none; border-radius: 4px; white-space: nowrap; }
            @media print {
              html, body { background: #fff; }
              .sheet-toolbar, .no-print { display: none !important; }
              .label-page { margin: 0; min-height: 0; break-after: page; page-break-after: always; }
              .label-page:last-child { break-after: auto; page-break-after: auto; }
              .label-cell { outline: none; }
            }
            """;
    }

    /// <summary>The pages of the sheet; <paramref name="imageUrl"/> says where each label's PNG is found (a URL of
    /// the app for the print view, the file name for the sheet saved beside the PNGs).</summary>
    public static string Pages(BatchManifest batch, Func<ManifestLabel, string> imageUrl)
    {
        var (columns, rows) = Grid(batch.WidthMillimetres, batch.HeightMillimetres);
        var perPage = columns * rows;
        var html = new StringBuilder(batch.Labels.Count * 160);
        html.Append("<div class=\"label-sheet\">");
        for (var start = 0; start < batch.Labels.Count; start += perPage)
        {
            html.Append("<section class=\"label-page\" aria-label=\"Sheet page ").Append(start / perPage + 1).Append("\">");
            foreach (var label in batch.Labels.Skip(start).Take(perPage))
            {
                var id = WebUtility.HtmlEncode(label.PackId);
                html.Append("<div class=\"label-cell\"><img src=\"").Append(WebUtility.HtmlEncode(imageUrl(label)))
                    .Append("\" alt=\"Label ").Append(id).Append("\"></div>");
            }
            html.Append("</section>");
        }
        html.Append("</div>");
        return html.ToString();
    }

    /// <summary>A stand-alone HTML page of the sheet, saved beside the PNGs (and in the ZIP), printable offline.</summary>
    public static string Document(BatchManifest batch)
    {
        var title = WebUtility.HtmlEncode($"Label sheet {batch.BatchId}");
        return $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>{Styles(batch)}</style></head>
            <body><div class="sheet-toolbar"><button type="button" onclick="window.print()">Print sheet</button><span>{batch.Labels.Count} labels, batch {WebUtility.HtmlEncode(batch.BatchId)}</span></div>
            {Pages(batch, l => l.File)}</body></html>
            """;
    }

    private static string Mm(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
