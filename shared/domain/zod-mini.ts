/**
 * zod/mini with zod's English messages: what a Lambda function's schemas import (issue 11, item 8).
 * zod's classic API puts every method on every schema, so a bundle carries all of it (about 90 KB
 * minified) however little it uses; zod/mini's functions tree-shake (about 20 KB with this locale).
 * Both build on the same core: a mini schema infers the same type and reports the same issue paths
 * and, with the locale configured here, the same messages ("Too small: expected string to have
 * >=1 characters"); without it zod/mini says only "Invalid input". Importing this module configures
 * the locale, so every mini schema is built through it, never from "zod/mini" directly. The locale
 * is imported by its own path: `z.locales.en` from the namespace would bundle every locale.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config(en());

export * from "zod/mini";
