using BatteryMes.Web.Domain;

namespace BatteryMes.Web.Features.Identity;

/// <summary>The outcome of an electronic signature: the person who signed, or why it was refused.</summary>
public sealed record SignatureCheck(bool Accepted, string Message, PersonView? Signer = null);

/// <summary>An electronic signature: at the moment of signing off, reopening or restoring, the person confirms with
/// their own PIN or password (wrong ones count towards the lockout) and must hold a role that grants the action.</summary>
public sealed class Signatures(PeopleDirectory people)
{
    public async Task<SignatureCheck> VerifyAsync(string? login, string? secret, Capability needed, bool passwordOnly = false, CancellationToken ct = default)
    {
        var check = await people.VerifyAsync(login, secret, passwordOnly ? CredentialUse.PasswordSignature : CredentialUse.Signature, ct);
        if (!check.Accepted) return new(false, check.Message);
        var person = check.Person!;
        if (!person.Can(needed))
            return new(false, $"{person.FullName} ({person.Login}) cannot sign this: it needs the {RoleRules.Describe(needed)} role.");
        return new(true, "", person);
    }
}
