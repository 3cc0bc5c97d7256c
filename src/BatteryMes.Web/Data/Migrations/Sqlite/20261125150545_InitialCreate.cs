using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatteryMes.Web.Data.Migrations.Sqlite
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PackId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ModuleXSerial = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ModuleYSerial = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    CreatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Status = table.Column<byte>(type: "INTEGER", nullable: false),
                    CurrentStage = table.Column<int>(type: "INTEGER", nullable: false),
                    CompletedUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Packs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "StageRecords",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PackRowId = table.Column<long>(type: "INTEGER", nullable: false),
                    StageNumber = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<byte>(type: "INTEGER", nullable: false),
                    Technician = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    QcInspector = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Remarks = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    StartedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CompletedUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UpdatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    NotOkCount = table.Column<int>(type: "INTEGER", nullable: false),
                    HadNotOk = table.Column<bool>(type: "INTEGER", nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StageRecordId = table.Column<long>(type: "INTEGER", nullable: false),
                    CheckCode = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ModuleX = table.Column<byte>(type: "INTEGER", nullable: false),
                    ModuleY = table.Column<byte>(type: "INTEGER", nullable: false),
                    MeasuredX = table.Column<double>(type: "REAL", nullable: true),
                    MeasuredY = table.Column<double>(type: "REAL", nullable: true),
                    UpdatedUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
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
