// Vars and secrets arrive in `env`. Vars are plain configuration; secrets are shown only as
// "present, this long", never their value.
export default {
  async fetch(request, env) {
    return Response.json({
      greeting: env.GREETING,
      hasApiKey: typeof env.API_KEY === "string",
      apiKeyLength: env.API_KEY?.length ?? null,
    });
  },
};
