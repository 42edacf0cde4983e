/**
 * A Secrets Manager secret's full ARN, ending in the 6-character suffix Secrets Manager adds to the
 * name. A partial ARN (without it) can name the secret in a read, but matches no IAM grant made for it:
 * every read would be refused in AWS. One pattern for every secret the deployment names.
 */
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
export const SECRET_ARN_MESSAGE = "a Secrets Manager secret's full ARN (with its 6-character suffix)";
