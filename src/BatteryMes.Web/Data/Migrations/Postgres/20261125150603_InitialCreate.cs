using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace BatteryMes.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Packs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PackId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    ModuleXSerial = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ModuleYSerial = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Status = table.Column<byte>(type: "smallint", nullable: false),
                    CurrentStage = table.Column<int>(type: "integer", nullable: false),
                    CompletedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Packs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "StageRecords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    PackRowId = table.Column<long>(type: "bigint", nullable: false),
                    StageNumber = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<byte>(type: "smallint", nullable: false),
                    Technician = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    QcInspector = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    Remarks = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    StartedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CompletedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    UpdatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false),
                    NotOkCount = table.Column<int>(type: "integer", nullable: false),
                    HadNotOk = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StageRecords", x => x.Id);
                    table.ForeignKey(
                        name: "FK_StageRecords_Packs_PackRowId",
                        column: x => x.PackRowId,
                        principalTable: "Packs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CheckResults",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    StageRecordId = table.Column<long>(type: "bigint", nullable: false),
                    CheckCode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ModuleX = table.Column<byte>(type: "smallint", nullable: false),
                    ModuleY = table.Column<byte>(type: "smallint", nullable: false),
                    MeasuredX = table.Column<double>(type: "double precision", nullable: true),
                    MeasuredY = table.Column<double>(type: "double precision", nullable: true),
                    UpdatedUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CheckResults", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CheckResults_StageRecords_StageRecordId",
                        column: x => x.StageRecordId,
                        principalTable: "StageRecords",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CheckResults_NotOk",
                table: "CheckResults",
                column: "CheckCode",
                filter: "\"ModuleX\" = 2 OR \"ModuleY\" = 2");

            migrationBuilder.CreateIndex(
                name: "IX_CheckResults_StageRecordId_CheckCode",
                table: "CheckResults",
                columns: new[] { "StageRecordId", "CheckCode" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Packs_CompletedUtc",
                table: "Packs",
                column: "CompletedUtc");

            migrationBuilder.CreateIndex(
                name: "IX_Packs_CreatedUtc",
                table: "Packs",
                column: "CreatedUtc");

            migrationBuilder.CreateIndex(
                name: "IX_Packs_PackId",
                table: "Packs",
                column: "PackId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Packs_Status_CurrentStage",
                table: "Packs",
                columns: new[] { "Status", "CurrentStage" });

            migrationBuilder.CreateIndex(
                name: "IX_Packs_UpdatedUtc",
                table: "Packs",
                column: "UpdatedUtc");

            migrationBuilder.CreateIndex(
                name: "IX_StageRecords_PackRowId_StageNumber",
                table: "StageRecords",
                columns: new[] { "PackRowId", "StageNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_StageRecords_StageNumber_CompletedUtc",
                table: "StageRecords",
                columns: new[] { "StageNumber", "CompletedUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_StageRecords_StageNumber_Status",
                table: "StageRecords",
                columns: new[] { "StageNumber", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CheckResults");

            migrationBuilder.DropTable(
                name: "StageRecords");

            migrationBuilder.DropTable(
                name: "Packs");
        }
    }
}
