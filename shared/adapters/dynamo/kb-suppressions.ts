/**
 * The knowledge base's reads and its suppressions, without its record writes: what the outcome
 * workers write (a hard bounce, a complaint, an opt-out, a contact deleted in HubSpot), so that their
 * functions carry neither the account and person writes nor the change feed those publish on.
 * DynamoKnowledgeStore extends it with the rest.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SuppressionEntry, SuppressionInput } from "../../domain/kb.ts";
import { emailHash } from "../../domain/redact.ts";
import { queryAll } from "./db.ts";
import { DynamoKnowledgeReader } from "./kb-reader.ts";
import { type Key, stateKeys } from "./keys.ts";

const entryKey = (s: SuppressionInput) =>
  `${s.kind}:${s.value.toLowerCase()}:${s.channels?.slice().sort().join(",") ?? "*"}`;

export class DynamoSuppressingReader extends DynamoKnowledgeReader {
  async addSuppression(input: SuppressionInput, at: string): Promise<{ appliedTo: string[] }> {
    // An address is kept only as its hash, so the suppression can outlive the person's erasure.
    const value = input.kind === "email" ? emailHash(input.value) : input.value.toLowerCase();
    const entry: SuppressionEntry = { ...input, value, createdAt: at };
    await this.addEntry(stateKeys.suppression(input.kind, input.value), entry);
    const appliedTo: string[] = [];
    if (input.kind === "email") {
      // Everyone on file with the address: two records of one buyer (an agent's and the CRM's) may
      // share it, and the gate reads each person's suppressions, not the address's.
      for (const personId of await this.peopleWithEmail(input.value)) {
        await this.addEntry(stateKeys.suppression("person", personId), entry);
        appliedTo.push(`person:${personId}`);
      }
    }
    if (input.kind === "domain") {
      // Every account of the domain: a suppression that reached only some of them would not hold.
      const accounts = await queryAll(this.db, {
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": stateKeys.domainPartition(input.value.toLowerCase()) },
        // An account of the domain written a moment ago is suppressed too.
        ConsistentRead: true,
      });
      for (const item of accounts) {
        await this.addEntry(stateKeys.suppression("account", item.accountId as string), entry);
        appliedTo.push(`account:${item.accountId}`);
      }
    }
    if (input.kind === "person" || input.kind === "account") appliedTo.push(`${input.kind}:${input.value}`);
    return { appliedTo };
  }

  protected async addEntry(key: Key, entry: SuppressionEntry): Promise<void> {
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: key,
        UpdateExpression: "SET entries = if_not_exists(entries, :empty)",
        ExpressionAttributeValues: { ":empty": {} },
      }),
    );
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: key,
        UpdateExpression: "SET entries.#k = :e",
        ExpressionAttributeNames: { "#k": entryKey(entry) },
        ExpressionAttributeValues: { ":e": entry },
      }),
    );
  }
}
