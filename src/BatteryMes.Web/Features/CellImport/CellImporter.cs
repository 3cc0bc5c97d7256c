using System.Text.Json;
using BatteryMes.Web.Data;
using BatteryMes.Web.Features.DataEntry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace BatteryMes.Web.Features.CellImport;

/// <summary>BatteryMes:CellImport.</summary>
public sealed class CellImportOptions
{
    public const string Section = "BatteryMes:CellImport";

    /// <summary>Largest cell data file accepted, in bytes. 10,000 cells of a sorting machine are about 400 KB.</summary>
    public int MaxFileBytes { get; set; } = 10 * 1024 * 1024;
}

internal sealed class CellImportOptionsValidator : IValidateOptions<CellImportOptions>
{
    public ValidateOptionsResult Validate(string? name, CellImportOptions options) =>
        options.MaxFileBytes is < 1024 or > 200 * 1024 * 1024
            ? ValidateOptionsResult.Fail($"{CellImportOptions.Section}:MaxFileBytes must be between 1024 and 209715200 (found {options.MaxFileBytes}).")
            : ValidateOptionsResult.Success;
}

/// <summary>What an import would do or did: the file as read, and how many cells are new, changed or already as the file says.</summary>
public sealed record CellImportPreview(
    string FileName,
    CellFile File,
    int NewCells,
    int UpdatedCells,
    int UnchangedCells,
    bool Imported)
{
    public bool HasErrors => File.Errors.Count > 0;
}

/// <summary>Reads cell data files against the database and imports them: all rows in one transaction, or none.</summary>
public sealed class CellImporter(IDbContextFactory<MesDbContext> contexts, TimeProvider time, ILogger<CellImporter> log)
{
    public const string MappingKind = "cells";
    public const string AuditAction = "CellImport";
    // IN lists stay well below SQLite's and PostgreSQL's parameter limits.
    private const int LookupChunk = 500;

    /// <summary>The mapping saved by the last import, if any.</summary>
    public async Task<IReadOnlyDictionary<CellField, string>?> SavedMappingAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var json = await db.ImportMappings.AsNoTracking().Where(m => m.Kind == MappingKind).Select(m => m.ColumnsJson).FirstOrDefaultAsync(ct);
        return ParseMapping(json);
    }

    public static IReadOnlyDictionary<CellField, string>? ParseMapping(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            var raw = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];
            return raw.Where(kv => Enum.TryParse<CellField>(kv.Key, true, out _) && !string.IsNullOrWhiteSpace(kv.Value))
                .ToDictionary(kv => Enum.Parse<CellField>(kv.Key, true), kv => kv.Value);
        }
        catch (JsonException) { return null; }
    }

    /// <summary>Reads the file (with <paramref name="mapping"/>, else the saved mapping, else header names) and counts
    /// what an import would do. With <paramref name="import"/> and no row errors, it also imports, in one transaction.</summary>
    public async Task<CellImportPreview> RunAsync(string fileName, string text, IReadOnlyDictionary<CellField, string>? mapping, bool import,
        Actor actor, CancellationToken ct = default)
    {
        mapping ??= await SavedMappingAsync(ct);
        var file = CellCsvReader.Read(text, mapping);
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = import && file.Errors.Count == 0 ? await db.Database.BeginTransactionAsync(ct) : null;

        var existing = new Dictionary<string, Component>(StringComparer.Ordinal);
        foreach (var chunk in file.Rows.Select(r => r.CellId).Chunk(LookupChunk))
        {
            var query = db.Components.Where(c => c.Kind == ComponentKind.Cell && chunk.Contains(c.Serial));
            foreach (var c in await (transaction is null ? query.AsNoTracking() : query).ToListAsync(ct)) existing[c.Serial] = c;
        }

        int added = 0, updated = 0, unchanged = 0;
        var now = time.GetUtcNow().UtcDateTime;
        var source = Source(fileName);
        foreach (var row in file.Rows)
        {
            if (!existing.TryGetValue(row.CellId, out var cell))
            {
                added++;
                if (transaction is not null)
                    db.Components.Add(new Component
                    {
                        Kind = ComponentKind.Cell, Serial = row.CellId, Lot = row.Lot, CapacityAh = row.CapacityAh, VoltageV = row.VoltageV,
                        ResistanceMilliOhm = row.ResistanceMilliOhm, Source = source, CreatedUtc = now, UpdatedUtc = now,
                    });
                continue;
            }
            // An empty value in the file leaves the stored one: a sorting machine's file has no lot, a supplier's no IR.
            var lot = row.Lot ?? cell.Lot;
            var capacity = row.CapacityAh ?? cell.CapacityAh;
            var voltage = row.VoltageV ?? cell.VoltageV;
            var resistance = row.ResistanceMilliOhm ?? cell.ResistanceMilliOhm;
            if (lot == cell.Lot && capacity == cell.CapacityAh && voltage == cell.VoltageV && resistance == cell.ResistanceMilliOhm)
            {
                unchanged++;
                continue;
            }
            updated++;
            if (transaction is null) continue;
            cell.Lot = lot;
            cell.CapacityAh = capacity;
            cell.VoltageV = voltage;
            cell.ResistanceMilliOhm = resistance;
            cell.Source = source;
            cell.UpdatedUtc = now;
        }

        if (transaction is null) return new CellImportPreview(fileName, file, added, updated, unchanged, false);

        await SaveMappingAsync(db, file.Columns, actor, now, ct);
        db.AuditLog.Add(new AuditEntry
        {
            AtUtc = now, PackId = "", Action = AuditAction, Field = "cells",
            NewValue = $"{Truncate(fileName, 200)}: {file.Rows.Count} rows; {added} new, {updated} updated, {unchanged} unchanged",
            User = actor.User, UserLogin = actor.Login, Client = actor.Client,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        log.LogInformation("Cell import of {FileName} by {Login}: {Rows} rows, {New} new, {Updated} updated, {Unchanged} unchanged",
            fileName, actor.Login, file.Rows.Count, added, updated, unchanged);
        return new CellImportPreview(fileName, file, added, updated, unchanged, true);
    }

    private static async Task SaveMappingAsync(MesDbContext db, IReadOnlyDictionary<CellField, string> columns, Actor actor, DateTime now, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(columns.ToDictionary(c => c.Key.ToString(), c => c.Value));
        var saved = await db.ImportMappings.FirstOrDefaultAsync(m => m.Kind == MappingKind, ct);
        if (saved is null) db.ImportMappings.Add(saved = new ImportMapping { Kind = MappingKind });
        saved.ColumnsJson = json;
        saved.SavedUtc = now;
        saved.SavedBy = actor.User;
    }

    public static string Source(string fileName) => "import: " + Truncate(Path.GetFileName(fileName.Replace('\\', '/')), 190);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
