using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Staff;

/// <summary>
/// Failed sign-ins counted per user name <em>and</em> client address: after
/// <see cref="StaffAccountsOptions.MaxFailedSignIns"/> failures in a row a name is refused from that address for
/// <see cref="StaffAccountsOptions.LockoutDuration"/>, while the same person still signs in from any other address —
/// so guessing from one place cannot lock the real user out. Any typed name counts, existing or not, so the refusal
/// tells nobody which names exist. Names are kept only as keyed hashes, in memory, per web app instance.
/// </summary>
/// <remarks>
/// ASP.NET Core's rate limiters count every attempt and cannot be asked without spending a permit; this counts only
/// failures and is asked before the password is checked. The per-address limit on all attempts is a rate limiter.
/// </remarks>
public sealed class SignInThrottle(IOptions<StaffAccountsOptions> options, TimeProvider time)
{
    // Bounds the memory a flood of made-up names can take; expired entries are dropped first.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<(string Name, string Address), Failures> failures = new();
    private readonly byte[] hashKey = RandomNumberGenerator.GetBytes(32);

    public bool IsBlocked(string userName, string? address) =>
        failures.TryGetValue(Key(userName, address), out var entry)
        && entry.Count >= options.Value.MaxFailedSignIns
        && entry.Until > time.GetUtcNow();

    /// <summary>Counts a failure; true when this one reached the limit and the name is now refused from the address.</summary>
    public bool RecordFailure(string userName, string? address)
    {
        var now = time.GetUtcNow();
        var until = now + options.Value.LockoutDuration;
        if (failures.Count >= MaxEntries)
        {
            Prune(now);
        }

        var entry = failures.AddOrUpdate(
            Key(userName, address),
            _ => new Failures(1, until),
            (_, old) => new Failures(old.Until > now ? old.Count + 1 : 1, until));
        return entry.Count >= options.Value.MaxFailedSignIns;
    }

    public void RecordSuccess(string userName, string? address) => failures.TryRemove(Key(userName, address), out _);

    /// <summary>True when <paramref name="userName"/> is refused from at least one address, for the admin's staff list.</summary>
    public bool IsBlockedAnywhere(string userName)
    {
        var name = HashName(userName);
        var now = time.GetUtcNow();
        return failures.Any(pair => pair.Key.Name == name && pair.Value.Count >= options.Value.MaxFailedSignIns && pair.Value.Until > now);
    }

    /// <summary>An admin lifts the refusal of <paramref name="userName"/> from every address.</summary>
    public void Forget(string userName)
    {
        var name = HashName(userName);
        foreach (var key in failures.Keys.Where(key => key.Name == name))
        {
            failures.TryRemove(key, out _);
        }
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in failures)
        {
            if (entry.Until <= now)
            {
                failures.TryRemove(key, out _);
            }
        }

        if (failures.Count >= MaxEntries)
        {
            failures.Clear();
        }
    }

    private (string, string) Key(string userName, string? address) => (HashName(userName), address ?? "");

    private string HashName(string userName) =>
        Convert.ToHexString(HMACSHA256.HashData(hashKey, Encoding.UTF8.GetBytes(userName.Trim().ToUpperInvariant())));

    private sealed record Failures(int Count, DateTimeOffset Until);
}
