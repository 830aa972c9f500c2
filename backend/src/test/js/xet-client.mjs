// The real @huggingface/hub client uploading through Xet (xorbs + shard to the hub's CAS) and downloading back.
// Env: HUB_URL, HUB_TOKEN (hf_ token with write access), REPO_PREFIX, SIZE (bytes of the large file), PHASE:
//   first  - create the repo, upload weights.bin (deterministic bytes), download it back byte-identical through Xet
//   second - upload weights.bin again with 1 MiB in the middle changed, download it back byte-identical
// The Java side (XetJsClientTest) measures at the hub what each phase sent to /v1/xorbs.
import { createRepo, uploadFiles, downloadFile, listFiles, whoAmI, modelInfo } from "@huggingface/hub";
import { createCipheriv, createHash } from "node:crypto";

const hubUrl = process.env.HUB_URL;
const accessToken = process.env.HUB_TOKEN;
const prefix = process.env.REPO_PREFIX ?? "xet-client";
const SIZE = Number(process.env.SIZE ?? 16 * 1024 * 1024);
const CHANGED = 1024 * 1024;
const phase = process.env.PHASE ?? "first";

let checks = 0;
function check(label, condition, detail) {
  if (!condition) {
    throw new Error(`check failed: ${label}${detail === undefined ? "" : ": " + JSON.stringify(detail)}`);
  }
  checks++;
  console.log(`ok ${label}`);
}
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
/** Deterministic incompressible bytes: AES-128-CTR keystream of a seed. */
function bytesOf(seed, n) {
  const key = createHash("sha256").update(seed).digest().subarray(0, 16);
  return createCipheriv("aes-128-ctr", key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

const me = await whoAmI({ hubUrl, accessToken });
const name = `${me.name}/${prefix}`;
const repo = { type: "model", name };
const weights = bytesOf("xet-weights", SIZE);
if (phase === "second") {
  bytesOf("xet-change", CHANGED).copy(weights, Math.floor(SIZE / 2));
} else {
  await createRepo({ repo, hubUrl, accessToken });
}

const requests = [];
let xorbBytes = 0;
const recordingFetch = (url, init) => {
  const method = init?.method ?? "GET";
  const path = String(url).replace(hubUrl, "");
  requests.push(`${method} ${path.replace(/[0-9a-f]{64}/g, "<hash>")}`);
  if (method === "POST" && path.startsWith("/v1/xorbs/")) {
    xorbBytes += init.body.byteLength ?? init.body.size;
  }
  return fetch(url, init);
};
const commit = await uploadFiles({
  repo, hubUrl, accessToken, fetch: recordingFetch,
  files: [
    { path: "config.json", content: new Blob([JSON.stringify({ model_type: "bert", phase })]) },
    { path: "weights.bin", content: new Blob([weights]) },
  ],
  commitTitle: `Xet upload (${phase})`,
});
check("uploadFiles commits through Xet", /^[0-9a-f]{40}$/.test(commit?.commit?.oid ?? ""), commit);
const distinct = [...new Set(requests)];
check("the batch answer sent the client to the CAS: xorbs then a shard",
  distinct.includes("POST /v1/xorbs/default/<hash>") && distinct.includes("POST /v1/shards")
  && !requests.some((r) => r.startsWith("PUT ")), distinct);
check("the client asked the CAS for global dedup of the file's first chunk",
  distinct.includes("GET /v1/chunks/default/<hash>"), distinct);
console.log(`client sent ${xorbBytes} bytes to /v1/xorbs for a ${SIZE}-byte file`);
console.log(`requests: ${distinct.join(" | ")}`);

const info = await modelInfo({ name, hubUrl, accessToken, additionalFields: ["sha"] });
check("the commit is the head of main", info.sha === commit.commit.oid, info);
const listed = [];
for await (const f of listFiles({ repo, hubUrl, accessToken })) {
  listed.push(f);
}
const entry = listed.find((f) => f.path === "weights.bin");
check("the tree lists the file as LFS with its sha256 and size",
  entry?.lfs?.oid === sha256(weights) && entry.size === SIZE, entry);

requests.length = 0;
const blob = await downloadFile({ repo, path: "weights.bin", hubUrl, accessToken, fetch: recordingFetch });
const downloaded = Buffer.from(await blob.arrayBuffer());
check("downloadFile went through Xet: the resolve answer named the Xet hash, the CAS planned the download",
  requests.some((r) => r.startsWith("GET /v2/reconstructions/<hash>")), [...new Set(requests)]);
console.log(`download requests: ${[...new Set(requests)].join(" | ")}`);
// a byte range across chunk boundaries (ranged reconstruction: terms trimmed, offset into the first chunk)
const from = Math.floor(SIZE / 2) - 100_000;
const part = Buffer.from(await blob.slice(from, from + 300_000).arrayBuffer());
check("a slice of the Xet blob is the same bytes", part.equals(weights.subarray(from, from + 300_000)), { length: part.length });
check("downloadFile returns the uploaded bytes", downloaded.length === SIZE && downloaded.equals(weights),
  { length: downloaded.length });
check("and their sha256", sha256(downloaded) === sha256(weights));
console.log(`${checks} CHECKS PASSED`);
