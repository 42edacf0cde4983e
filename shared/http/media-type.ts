/**
 * Which reader a request body goes to, from its declared Content-Type. A body is read only as what it
 * says it is: JSON on every route, YAML only where a route documents it (publishing a spec). Anything
 * else (XML, a form, text/plain, bytes) is refused with 415 before a route runs, rather than parsed as
 * JSON anyway: a client that labels its body wrongly is told so instead of having it acted on.
 */
import { UnsupportedMediaTypeError } from "../domain/errors.ts";

export type BodyType = "json" | "yaml";

/** The media types each reader accepts, in the order they are listed to clients. */
const MEDIA_TYPES: Record<BodyType, readonly string[]> = {
  json: ["application/json"],
  // application/yaml is the registered type (RFC 9512); the others are what tools have long sent.
  yaml: ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"],
};

/** The media types a route with these readers accepts, as listed in a 415 and its Accept header. */
export const acceptedMediaTypes = (accepts: readonly BodyType[]): string[] =>
  accepts.flatMap((t) => MEDIA_TYPES[t]);

const CHARSET = /(?:^|;)\s*charset\s*=\s*"?([^";\s]*)"?/i;

/**
 * The reader for a body declared as `contentType` on a route that reads `accepts`. No Content-Type at
 * all is read as JSON (what this API speaks); a declared type the route does not read, or a charset
 * other than UTF-8 (JSON is UTF-8, RFC 8259, and bodies are decoded as such), is a 415.
 */
export function bodyTypeOf(contentType: string | undefined, accepts: readonly BodyType[]): BodyType {
  const accepted = acceptedMediaTypes(accepts);
  const refuse = (why: string) =>
    new UnsupportedMediaTypeError(`${why}; send ${accepted.join(" or ")}`, accepted);
  if (contentType === undefined || contentType.trim() === "") {
    if (accepts.includes("json")) return "json";
    throw refuse("a body needs a content-type");
  }
  const [essence = "", ...params] = contentType.split(";");
  const mediaType = essence.trim().toLowerCase();
  const type = accepts.find((t) => MEDIA_TYPES[t].includes(mediaType));
  if (!type) throw refuse(`content-type ${JSON.stringify(mediaType.slice(0, 100))} is not read here`);
  const charset = CHARSET.exec(params.join(";"))?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8")
    throw refuse(`charset ${JSON.stringify(charset.slice(0, 40))} is not read here: bodies are UTF-8`);
  return type;
}
