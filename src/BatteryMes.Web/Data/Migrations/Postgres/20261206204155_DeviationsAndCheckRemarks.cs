using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatteryMes.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DeviationsAndCheckRemarks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DeviationX",
                table: "CheckResults",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviationY",
                table: "CheckResults",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Remark",
                table: "CheckResults",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "DeviationX",
                table: "CheckResults");

            migrationBuilder.DropColumn(
                name: "DeviationY",
                table: "CheckResults");

            migrationBuilder.DropColumn(
                name: "Remark",
                table: "CheckResults");
        }
    }
}
