using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace BatteryMes.Web.Features.Identity;

/// <summary>A Blazor circuit cannot set a cookie: the sign-in page checks the PIN or password in the circuit, takes a
/// one-time ticket from here and loads <c>/account/signin/complete?ticket=...</c>, whose HTTP answer sets the cookie.
/// A ticket lives for a minute, is used once, and only by the client address that asked for it.</summary>
public sealed class SignInTickets(TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Ticket> _tickets = new(StringComparer.Ordinal);

    private sealed record Ticket(PersonView Person, string? Client, DateTimeOffset Expires);

    public string Issue(PersonView person, string? client)
    {
        var now = time.GetUtcNow();
        foreach (var (key, old) in _tickets)
            if (old.Expires < now) _tickets.TryRemove(key, out _);
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        _tickets[id] = new Ticket(person, client, now + Lifetime);
        return id;
    }

    public PersonView? Redeem(string? id, string? client)
    {
        if (string.IsNullOrEmpty(id) || !_tickets.TryRemove(id, out var ticket)) return null;
        if (ticket.Expires < time.GetUtcNow()) return null;
        return ticket.Client is null || ticket.Client == client ? ticket.Person : null;
    }
}
