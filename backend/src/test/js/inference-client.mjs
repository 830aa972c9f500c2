// Drives the real @huggingface/inference InferenceClient against a running ModelHub (see InferenceJsClientTest):
// each call of the plan goes through the client's own task function, request building and answer validation,
// pointed at the hub with client.endpoint(), as a user would point it at a dedicated endpoint.
import { InferenceClient } from "@huggingface/inference";
import { readFileSync } from "node:fs";

const hub = process.env.HUB_URL;
const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const call of plan) {
  const client = new InferenceClient(process.env.HUB_TOKEN ?? "").endpoint(`${hub}/models/${call.model}`);
  const args = { ...call.args };
  if (call.file) {
    // the client sends a Blob as the raw body (image/audio tasks) or as base64 inside its JSON (zero-shot image)
    const blob = new Blob([readFileSync(call.file)]);
    if (call.fileAt === "inputs") {
      args.inputs = blob;
    } else {
      args.data = blob;
    }
  }
  const output = await client[call.method](args);
  console.log("RESULT " + JSON.stringify({ id: call.id, output }));
}
console.log("CHECKS PASSED");
