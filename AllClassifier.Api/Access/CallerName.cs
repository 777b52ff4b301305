namespace AllClassifier.Api.Access;

/// <summary>
/// Who sent a request, as recorded with the data it stores: the API client's name, and, when that client is a
/// front end acting for a signed-in person, <c>client:person</c>. The person's name is taken from
/// <see cref="ActingUserHeader"/> only from a caller that proved its key; without keys nobody is named.
/// </summary>
public static class CallerName
{
    public const string ActingUserHeader = "X-Acting-User";
    public const int MaxLength = 200;

    public static string? Of(HttpContext context)
    {
        if (context.User.Identity is not { IsAuthenticated: true, Name: { } client })
        {
            return null;
        }

        var person = context.Request.Headers[ActingUserHeader].ToString().Trim();
        var name = person.Length == 0 || person.Any(char.IsControl) ? client : $"{client}:{person}";
        return name.Length <= MaxLength ? name : name[..MaxLength];
    }
}
