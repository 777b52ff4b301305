using System.Net;
using System.Security.Cryptography;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Access;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Tests.Postgres;
using Npgsql;

namespace AllClassifier.Api.Tests.Postgres;

/// <summary>The feedback contract with <c>ConnectionStrings:feedback</c> set: the same answers, rows in PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFeedbackTests(PostgresServer server)
{
    [Fact]
    public async Task Feedback_is_stored_in_the_LLD_table_in_PostgreSQL_and_nothing_in_SQLite()
    {
        var connectionString = await server.CreateDatabaseAsync();
        using var api = Api(connectionString);
        var client = api.CreateClient();
        var image = TestImages.Jpeg(seed: 71);

        Assert.Equal(0, await ApiAssert.FeedbackCountAsync(client));
        var json = await ApiAssert.OkJsonAsync(await client.SendAsync(FeedbackRequest("pre", "1", image)));

        Assert.True(json.GetProperty("stored").GetBoolean());
        Assert.Equal(1, json.GetProperty("feedback_count").GetInt64());
        Assert.Equal(1, await ApiAssert.FeedbackCountAsync(client));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var select = new NpgsqlCommand("SELECT id, correct, predicted, img, sha256, sent_by FROM feedback", connection))
        await using (var row = await select.ExecuteReaderAsync())
        {
            Assert.True(await row.ReadAsync());
            Assert.Equal(json.GetProperty("id").GetInt64(), row.GetInt64(0));
            Assert.Equal("Pre", row.GetString(1));
            Assert.Equal("Early", row.GetString(2));
            Assert.Equal(image, (byte[])row[3]);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), row.GetString(4));
            Assert.Equal("lab-script", row.GetString(5));
        }

        Assert.Equal(
            ["id bigint", "ts double precision", "correct text", "predicted text", "img bytea", "sha256 text", "model_version integer", "sent_by text"],
            await ColumnsAsync(connection));
        Assert.False(File.Exists(api.DatabasePath));
    }

    [Fact]
    public async Task Rows_are_listed_and_deleted_with_a_key()
    {
        using var api = Api(await server.CreateDatabaseAsync());
        var client = api.CreateClient();
        await ApiAssert.OkJsonAsync(await client.SendAsync(FeedbackRequest("Benign", "Pro", TestImages.Png(seed: 72))));
        var stored = await ApiAssert.OkJsonAsync(await client.SendAsync(FeedbackRequest("Pre", "Pro", TestImages.Png(seed: 73))));
        var id = stored.GetProperty("id").GetInt64();

        var listed = await ApiAssert.OkJsonAsync(await client.SendAsync(WithKey(HttpMethod.Get, "/feedback/rows?limit=1")));
        var row = Assert.Single(listed.GetProperty("rows").EnumerateArray());
        Assert.Equal(id, row.GetProperty("id").GetInt64());
        Assert.Equal("lab-script", row.GetProperty("sent_by").GetString());

        await ApiAssert.ErrorAsync(await client.DeleteAsync($"/feedback/{id}"), 401, "unauthorized", "X-Api-Key");
        var deleted = await ApiAssert.OkJsonAsync(await client.SendAsync(WithKey(HttpMethod.Delete, $"/feedback/{id}")));
        Assert.Equal(1, deleted.GetProperty("feedback_count").GetInt64());
        await ApiAssert.ErrorAsync(await client.SendAsync(WithKey(HttpMethod.Delete, $"/feedback/{id}")), 404, "no_such_feedback_row", $"no feedback row {id}");
    }

    [Fact]
    public async Task Two_API_hosts_posting_at_once_get_exact_distinct_counts()
    {
        var connectionString = await server.CreateDatabaseAsync();
        using var first = Api(connectionString);
        using var second = Api(connectionString);
        const int PerHost = 12;

        var counts = await Task.WhenAll(new[] { first, second }.SelectMany((api, host) => Enumerable.Range(0, PerHost).Select(async i =>
        {
            using var client = api.CreateClient();
            var json = await ApiAssert.OkJsonAsync(await client.SendAsync(FeedbackRequest("Benign", "Pro", TestImages.Png(seed: 800 + (host * PerHost) + i), "image/png")));
            return json.GetProperty("feedback_count").GetInt64();
        })));

        Assert.Equal(Enumerable.Range(1, 2 * PerHost).Select(i => (long)i), counts.Order());
        Assert.Equal(2 * PerHost, await ApiAssert.FeedbackCountAsync(second.CreateClient()));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_503_with_Retry_After_and_nothing_is_claimed_stored()
    {
        using var api = Api(new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = UnusedPort(), Username = "postgres", Timeout = 2 }.ConnectionString);
        var client = api.CreateClient();

        var response = await client.SendAsync(FeedbackRequest("Pre", "Pro", TestImages.Jpeg(seed: 74)));

        await ApiAssert.ErrorAsync(response, 503, "storage_unavailable", "not stored");
        Assert.NotNull(response.Headers.RetryAfter);
        await ApiAssert.ErrorAsync(await client.GetAsync("/feedback/count"), 503, "storage_unavailable", "unavailable");
    }

    [Fact]
    public async Task Health_names_the_PostgreSQL_store_and_turns_unhealthy_when_it_does_not_answer()
    {
        using var reachable = Api(await server.CreateDatabaseAsync());
        var up = await FeedbackStoreHealthAsync(reachable.CreateClient());
        Assert.Equal("Healthy", up.GetProperty("status").GetString());
        Assert.StartsWith("PostgreSQL database test_", up.GetProperty("description").GetString(), StringComparison.Ordinal);
        // Host, port and database name are for the admin key only.
        var anonymous = await FeedbackStoreHealthAsync(reachable.CreateClient(), withKey: false);
        Assert.Equal("Healthy", anonymous.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, anonymous.GetProperty("description").ValueKind);

        using var unreachable = Api(new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = UnusedPort(), Username = "postgres", Database = "feedback", Timeout = 2 }.ConnectionString);
        var client = unreachable.CreateClient();
        var down = await FeedbackStoreHealthAsync(client);
        Assert.Equal("Unhealthy", down.GetProperty("status").GetString());
        Assert.Contains("does not answer", down.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await FeedbackStoreHealthAsync(client, withKey: false)).GetProperty("description").ValueKind);
        using var plain = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, plain.StatusCode);
    }

    private static async Task<System.Text.Json.JsonElement> FeedbackStoreHealthAsync(HttpClient client, bool withKey = true)
    {
        using var request = withKey ? WithKey(HttpMethod.Get, "/health") : new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(request);
        var report = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content);
        return report.GetProperty("checks").GetProperty("feedback-store");
    }

    private static ApiFactory Api(string connectionString) => new(settings: new Dictionary<string, string?>
    {
        ["ConnectionStrings:feedback"] = connectionString,
        ["Auth:ApiKeys:lab-script"] = ApiKeyTests.ScriptKey,
    });

    private static HttpRequestMessage FeedbackRequest(string correct, string predicted, byte[] image, string contentType = "image/jpeg")
    {
        var request = WithKey(HttpMethod.Post, "/feedback");
        request.Content = Forms.Feedback(correct, predicted, image, contentType == "image/png" ? "smear.png" : "smear.jpg", contentType);
        return request;
    }

    private static HttpRequestMessage WithKey(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKeyTests.ScriptKey);
        return request;
    }

    private static async Task<List<string>> ColumnsAsync(NpgsqlConnection connection)
    {
        await using var columns = new NpgsqlCommand(
            "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_name = 'feedback' ORDER BY ordinal_position", connection);
        await using var reader = await columns.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
