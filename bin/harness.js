#!/usr/bin/env node
// The `harness` CLI. TypeScript sources run through tsx, so there is no build step to forget.
import { register } from "tsx/esm/api";

// Local runs are on Node 20; Lambda runs Node 22+. The SDK's notice about that is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
await import("./cli.ts");
