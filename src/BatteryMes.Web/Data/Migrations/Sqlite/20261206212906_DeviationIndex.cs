using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatteryMes.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DeviationIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_CheckResults_Deviation",
                table: "CheckResults",
                column: "UpdatedUtc",
                filter: "\"DeviationX\" IS NOT NULL OR \"DeviationY\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_CheckResults_Deviation",
                table: "CheckResults");
        }
    }
}
