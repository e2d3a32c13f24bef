using EdgeMobileNet.Web.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeMobileNet.Web.Learn;

internal sealed partial class LearnEndpoints
{
    private void MapTraining(WebApplication app)
    {
        app.MapGet("/api/training", c => Write(c, training.Status(), LearnJsonContext.Default.TrainingStatusDto));
        app.MapPost("/api/training/start", StartAsync);
        app.MapPost("/api/training/cancel", CancelAsync);
        app.MapPost("/api/training/deploy", DeployAsync);
    }

    private Task StartAsync(HttpContext context)
    {
        if (training.Start() is { } refused)
        {
            return Error(context, 409, refused);
        }

        return Write(context, training.Status(), LearnJsonContext.Default.TrainingStatusDto, StatusCodes.Status202Accepted);
    }

    private Task CancelAsync(HttpContext context) => training.Cancel()
        ? Write(context, new OkDto("cancelling"), LearnJsonContext.Default.OkDto)
        : Error(context, 409, "no training job is running");

    private async Task DeployAsync(HttpContext context)
    {
        var request = await Read(context, LearnJsonContext.Default.DeployRequest).ConfigureAwait(false) ?? new DeployRequest(null);
        var answer = await training.DeployAsync(request.Model, context.RequestAborted).ConfigureAwait(false);
        if (answer.Outcome is { } outcome)
        {
            await Write(context, outcome, LearnJsonContext.Default.DeployDto, answer.Status).ConfigureAwait(false);
        }
        else
        {
            await Error(context, answer.Status, answer.Error ?? "refused").ConfigureAwait(false);
        }
    }
}
