using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace BatteryMes.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Genealogy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "HeldBy",
                table: "Packs",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "HeldUtc",
                table: "Packs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HoldReason",
                table: "Packs",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Components",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Kind = table.Column<byte>(type: "smallint", nullable: false),
                    Serial = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Lot = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    CapacityAh = table.Column<double>(type: "double precision", nullable: true),
                    VoltageV = table.Column<double>(type: "double precision", nullable: true),
                    ResistanceMilliOhm = table.Column<double>(type: "double precision", nullable: true),
                    Source = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Components", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ImportMappings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    ColumnsJson = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    SavedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    SavedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImportMappings", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ComponentLinks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ComponentId = table.Column<long>(type: "bigint", nullable: false),
                    PackRowId = table.Column<long>(type: "bigint", nullable: false),
                    Side = table.Column<byte>(type: "smallint", nullable: false),
                    Position = table.Column<int>(type: "integer", nullable: true),
                    StageNumber = table.Column<int>(type: "integer", nullable: false),
                    LinkedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LinkedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    LinkedByLogin = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    RemovedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RemovedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    RemovedByLogin = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    RemovedReason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ReplacedByLinkId = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ComponentLinks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ComponentLinks_Components_ComponentId",
                        column: x => x.ComponentId,
                        principalTable: "Components",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ComponentLinks_Packs_PackRowId",
                        column: x => x.PackRowId,
                        principalTable: "Packs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Packs_OnHold",
                table: "Packs",
                column: "HeldUtc",
                filter: "\"HoldReason\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ComponentLinks_InPlace",
                table: "ComponentLinks",
                column: "ComponentId",
                unique: true,
                filter: "\"RemovedUtc\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_ComponentLinks_PackRowId_Side_Position",
                table: "ComponentLinks",
                columns: new[] { "PackRowId", "Side", "Position" });

            migrationBuilder.CreateIndex(
                name: "IX_Components_Kind_Serial",
                table: "Components",
                columns: new[] { "Kind", "Serial" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Components_Lot",
                table: "Components",
                column: "Lot");

            migrationBuilder.CreateIndex(
                name: "IX_ImportMappings_Kind",
                table: "ImportMappings",
                column: "Kind",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ComponentLinks");

            migrationBuilder.DropTable(
                name: "ImportMappings");

            migrationBuilder.DropTable(
                name: "Components");

            migrationBuilder.DropIndex(
                name: "IX_Packs_OnHold",
                table: "Packs");

            migrationBuilder.DropColumn(
                name: "HeldBy",
                table: "Packs");

            migrationBuilder.DropColumn(
                name: "HeldUtc",
                table: "Packs");

            migrationBuilder.DropColumn(
                name: "HoldReason",
                table: "Packs");
        }
    }
}
