using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatteryMes.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditLogPlanAndLabels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditLog",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    PackId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    StageNumber = table.Column<int>(type: "INTEGER", nullable: true),
                    CheckCode = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Action = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Field = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OldValue = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    NewValue = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    User = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Client = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditLog", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "IssuedLabels",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PackId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    BatchId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Payload = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Prefix = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    Number = table.Column<int>(type: "INTEGER", nullable: true),
                    IssuedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IssuedLabels", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ProductionTargets",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    EffectiveFrom = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    PacksPerDay = table.Column<int>(type: "INTEGER", nullable: false),
                    SetBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    SetUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ProductionTargets", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditLog_AtUtc",
                table: "AuditLog",
                column: "AtUtc");

            migrationBuilder.CreateIndex(
                name: "IX_AuditLog_PackId_AtUtc",
                table: "AuditLog",
                columns: new[] { "PackId", "AtUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_IssuedLabels_PackId",
                table: "IssuedLabels",
                column: "PackId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_IssuedLabels_Prefix_Number",
                table: "IssuedLabels",
                columns: new[] { "Prefix", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_ProductionTargets_EffectiveFrom",
                table: "ProductionTargets",
                column: "EffectiveFrom",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditLog");

            migrationBuilder.DropTable(
                name: "IssuedLabels");

            migrationBuilder.DropTable(
                name: "ProductionTargets");
        }
    }
}
