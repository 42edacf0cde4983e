/**
 * Imported first by run.ts, before anything that loads the AWS SDK: ES modules evaluate in import
 * order, so the SDK sees this when it loads.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
