using BatteryMes.Web.Domain;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace BatteryMes.Web.Data;

/// <summary>The one DbContext type. Each provider has a thin subclass with its own migrations
/// (Data/Migrations/Sqlite, Data/Migrations/Postgres). Open one per operation through
/// <see cref="IDbContextFactory{TContext}"/>: a Blazor circuit lives for hours.</summary>
public class MesDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Pack> Packs => Set<Pack>();
    public DbSet<StageRecord> StageRecords => Set<StageRecord>();
    public DbSet<CheckResult> CheckResults => Set<CheckResult>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<ProductionTarget> ProductionTargets => Set<ProductionTarget>();
    public DbSet<IssuedLabel> IssuedLabels => Set<IssuedLabel>();
    public DbSet<Person> People => Set<Person>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Component> Components => Set<Component>();
    public DbSet<ComponentLink> ComponentLinks => Set<ComponentLink>();
    public DbSet<ImportMapping> ImportMappings => Set<ImportMapping>();
    /// <summary>Keys for sign-in cookies and antiforgery tokens, shared by every app instance on one database.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        configuration.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Pack>(e =>
        {
            e.ToTable("Packs");
            e.Property(p => p.PackId).HasMaxLength(PackIdentifier.MaxLength).IsRequired();
            e.Property(p => p.ModuleXSerial).HasMaxLength(64);
            e.Property(p => p.ModuleYSerial).HasMaxLength(64);
            e.HasIndex(p => p.PackId).IsUnique();
            e.HasIndex(p => new { p.Status, p.CurrentStage });
            e.HasIndex(p => p.CreatedUtc);
            e.HasIndex(p => p.UpdatedUtc);
            e.HasIndex(p => p.CompletedUtc);
            e.Property(p => p.HoldReason).HasMaxLength(500);
            e.Property(p => p.HeldBy).HasMaxLength(100);
            // The dashboard lists the packs on hold: a few rows, whatever the number of packs.
            e.HasIndex(p => p.HeldUtc).HasDatabaseName("IX_Packs_OnHold").HasFilter("\"HoldReason\" IS NOT NULL");
            e.HasMany(p => p.Stages).WithOne(s => s.Pack).HasForeignKey(s => s.PackRowId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<StageRecord>(e =>
        {
            e.ToTable("StageRecords");
            e.Property(s => s.Technician).HasMaxLength(100);
            e.Property(s => s.QcInspector).HasMaxLength(100);
            e.Property(s => s.Remarks).HasMaxLength(2000);
            e.Property(s => s.SignedOffBy).HasMaxLength(64);
            e.Property(s => s.SignOffMeaning).HasMaxLength(32);
            e.Property(s => s.Version).IsConcurrencyToken();
            e.HasIndex(s => new { s.PackRowId, s.StageNumber }).IsUnique();
            e.HasIndex(s => new { s.StageNumber, s.Status });
            e.HasIndex(s => new { s.StageNumber, s.CompletedUtc });
            e.HasMany(s => s.Results).WithOne(r => r.StageRecord).HasForeignKey(r => r.StageRecordId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<CheckResult>(e =>
        {
            e.ToTable("CheckResults");
            e.Property(r => r.CheckCode).HasMaxLength(16).IsRequired();
            e.Property(r => r.DeviationX).HasMaxLength(QcJudging.MaxReasonLength);
            e.Property(r => r.DeviationY).HasMaxLength(QcJudging.MaxReasonLength);
            e.Property(r => r.Remark).HasMaxLength(500);
            e.HasIndex(r => new { r.StageRecordId, r.CheckCode }).IsUnique();
            // "Checks that fail most" reads only the NOT OK rows: a partial index keeps that cheap.
            e.HasIndex(r => r.CheckCode).HasDatabaseName("IX_CheckResults_NotOk")
                .HasFilter($"\"ModuleX\" = {(int)QcResult.NotOk} OR \"ModuleY\" = {(int)QcResult.NotOk}");
            // The dashboard's deviations read only the rows that hold one: a few, whatever the number of packs.
            e.HasIndex(r => r.UpdatedUtc).HasDatabaseName("IX_CheckResults_Deviation")
                .HasFilter("\"DeviationX\" IS NOT NULL OR \"DeviationY\" IS NOT NULL");
        });

        model.Entity<AuditEntry>(e =>
        {
            e.ToTable("AuditLog");
            e.Property(a => a.PackId).HasMaxLength(PackIdentifier.MaxLength).IsRequired();
            e.Property(a => a.CheckCode).HasMaxLength(16);
            e.Property(a => a.Action).HasMaxLength(32).IsRequired();
            e.Property(a => a.Field).HasMaxLength(64).IsRequired();
            e.Property(a => a.OldValue).HasMaxLength(2000);
            e.Property(a => a.NewValue).HasMaxLength(2000);
            e.Property(a => a.User).HasMaxLength(100);
            e.Property(a => a.UserLogin).HasMaxLength(64);
            e.Property(a => a.Client).HasMaxLength(100);
            e.Property(a => a.Reason).HasMaxLength(500);
            e.HasIndex(a => new { a.PackId, a.AtUtc });
            e.HasIndex(a => a.AtUtc);
        });

        model.Entity<ProductionTarget>(e =>
        {
            e.ToTable("ProductionTargets");
            e.Property(t => t.SetBy).HasMaxLength(100);
            e.HasIndex(t => t.EffectiveFrom).IsUnique();
        });

        model.Entity<IssuedLabel>(e =>
        {
            e.ToTable("IssuedLabels");
            e.Property(l => l.PackId).HasMaxLength(PackIdentifier.MaxLength).IsRequired();
            e.Property(l => l.BatchId).HasMaxLength(64).IsRequired();
            e.Property(l => l.Payload).HasMaxLength(512).IsRequired();
            e.Property(l => l.Prefix).HasMaxLength(PackIdentifier.MaxLength);
            e.HasIndex(l => l.PackId).IsUnique();
            e.HasIndex(l => new { l.Prefix, l.Number });
        });

        model.Entity<Person>(e =>
        {
            e.ToTable("People");
            e.Property(p => p.Login).HasMaxLength(64).IsRequired();
            e.Property(p => p.NormalizedLogin).HasMaxLength(64).IsRequired();
            e.Property(p => p.FullName).HasMaxLength(100).IsRequired();
            e.Property(p => p.Roles).HasMaxLength(100).IsRequired();
            e.Property(p => p.PinHash).HasMaxLength(200);
            e.Property(p => p.PasswordHash).HasMaxLength(200);
            e.Property(p => p.SecurityStamp).HasMaxLength(64).IsRequired();
            e.HasIndex(p => p.NormalizedLogin).IsUnique();
        });

        model.Entity<ApiKey>(e =>
        {
            e.ToTable("ApiKeys");
            e.Property(k => k.Name).HasMaxLength(100).IsRequired();
            e.Property(k => k.Prefix).HasMaxLength(16).IsRequired();
            e.Property(k => k.KeyHash).HasMaxLength(64).IsRequired();
            e.Property(k => k.CreatedBy).HasMaxLength(64);
            e.HasIndex(k => k.KeyHash).IsUnique();
            e.HasOne(k => k.Person).WithMany().HasForeignKey(k => k.PersonId).OnDelete(DeleteBehavior.Restrict);
        });

        model.Entity<Component>(e =>
        {
            e.ToTable("Components");
            e.Property(c => c.Serial).HasMaxLength(64).IsRequired();
            e.Property(c => c.Lot).HasMaxLength(64);
            e.Property(c => c.Source).HasMaxLength(200);
            e.HasIndex(c => new { c.Kind, c.Serial }).IsUnique();
            e.HasIndex(c => c.Lot);
            e.HasMany(c => c.Links).WithOne(l => l.Component).HasForeignKey(l => l.ComponentId).OnDelete(DeleteBehavior.Restrict);
        });

        model.Entity<ComponentLink>(e =>
        {
            e.ToTable("ComponentLinks");
            e.Property(l => l.Side).HasConversion<byte>();
            e.Property(l => l.LinkedBy).HasMaxLength(100).IsRequired();
            e.Property(l => l.LinkedByLogin).HasMaxLength(64);
            e.Property(l => l.RemovedBy).HasMaxLength(100);
            e.Property(l => l.RemovedByLogin).HasMaxLength(64);
            e.Property(l => l.RemovedReason).HasMaxLength(500);
            // One parent at a time: at most one link of a component is still in place.
            e.HasIndex(l => l.ComponentId).IsUnique().HasDatabaseName("IX_ComponentLinks_InPlace")
                .HasFilter("\"RemovedUtc\" IS NULL");
            // Every fitting of a component, removed ones too (trace history): the filtered index above holds only those in place.
            e.HasIndex(l => l.ComponentId, "IX_ComponentLinks_ComponentId");
            e.HasIndex(l => new { l.PackRowId, l.Side, l.Position });
            e.HasOne(l => l.Pack).WithMany().HasForeignKey(l => l.PackRowId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<ImportMapping>(e =>
        {
            e.ToTable("ImportMappings");
            e.Property(m => m.Kind).HasMaxLength(32).IsRequired();
            e.Property(m => m.ColumnsJson).HasMaxLength(4000).IsRequired();
            e.Property(m => m.SavedBy).HasMaxLength(100);
            e.HasIndex(m => m.Kind).IsUnique();
        });

        model.Entity<DataProtectionKey>(e => e.ToTable("DataProtectionKeys"));
    }
}

/// <summary>SQLite flavour of <see cref="MesDbContext"/>; owns Data/Migrations/Sqlite.</summary>
public sealed class SqliteMesDbContext(DbContextOptions<SqliteMesDbContext> options) : MesDbContext(options);

/// <summary>PostgreSQL flavour of <see cref="MesDbContext"/>; owns Data/Migrations/Postgres.</summary>
public sealed class PostgresMesDbContext(DbContextOptions<PostgresMesDbContext> options) : MesDbContext(options);
