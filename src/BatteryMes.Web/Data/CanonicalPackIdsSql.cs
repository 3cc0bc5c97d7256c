namespace BatteryMes.Web.Data;

/// <summary>The SQL of the CanonicalPackIds migration (the same on SQLite and PostgreSQL): pack IDs stored before they
/// were compared without regard to case are turned to upper case, with their history and issued labels. Two packs whose
/// IDs differ only in case are never merged silently: they are left as they are and listed for an admin
/// (<see cref="PackIdCaseConflicts"/>), who renames one.</summary>
internal static class CanonicalPackIdsSql
{
    public static readonly string[] Statements =
    [
        // History first, while the pack rows still hold the old spelling: only where exactly one pack has this ID in any case.
        """
        UPDATE "AuditLog" SET "PackId" = upper("PackId")
        WHERE "PackId" <> upper("PackId")
          AND (SELECT COUNT(*) FROM "Packs" AS p WHERE upper(p."PackId") = upper("AuditLog"."PackId")) <= 1
        """,
        """
        UPDATE "IssuedLabels" SET "PackId" = upper("PackId"), "Prefix" = upper("Prefix")
        WHERE "PackId" <> upper("PackId")
          AND NOT EXISTS (SELECT 1 FROM "IssuedLabels" AS o WHERE o."Id" <> "IssuedLabels"."Id" AND upper(o."PackId") = upper("IssuedLabels"."PackId"))
        """,
        """
        UPDATE "Packs" SET "PackId" = upper("PackId")
        WHERE "PackId" <> upper("PackId")
          AND NOT EXISTS (SELECT 1 FROM "Packs" AS o WHERE o."Id" <> "Packs"."Id" AND upper(o."PackId") = upper("Packs"."PackId"))
        """,
    ];
}
