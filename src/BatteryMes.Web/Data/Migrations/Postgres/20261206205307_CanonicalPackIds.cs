using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BatteryMes.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CanonicalPackIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var sql in CanonicalPackIdsSql.Statements) migrationBuilder.Sql(sql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Upper-case IDs stay: the older version finds them as typed in upper case.
        }
    }
}
