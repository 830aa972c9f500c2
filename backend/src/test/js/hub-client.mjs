// The real @huggingface/hub client against a running ModelHub. Env: HUB_URL, HUB_TOKEN (an hf_ token with write
// access), REPO_PREFIX (unique per run). Prints one "ok <check>" line per check; exits non-zero on the first failure.
import {
  createRepo, uploadFiles, listModels, modelInfo, listFiles, downloadFile, snapshotDownload, whoAmI, fileExists,
} from "@huggingface/hub";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const hubUrl = process.env.HUB_URL;
const accessToken = process.env.HUB_TOKEN;
const prefix = process.env.REPO_PREFIX ?? "js-client";
const LFS_SIZE = Number(process.env.LFS_SIZE ?? 30 * 1024 * 1024);
if (!hubUrl || !accessToken) {
  throw new Error("HUB_URL and HUB_TOKEN are required");
}

let checks = 0;
function check(label, condition, detail) {
  if (!condition) {
    throw new Error(`check failed: ${label}${detail === undefined ? "" : ": " + JSON.stringify(detail)}`);
  }
  checks++;
  console.log(`ok ${label}`);
}
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
async function expectHttpError(label, status, promise) {
  try {
    await promise;
  } catch (e) {
    check(label, e.statusCode === status, { statusCode: e.statusCode, message: e.message });
    return;
  }
  check(label, false, "no error");
}

const me = await whoAmI({ hubUrl, accessToken });
check("whoAmI names the token's account", typeof me.name === "string" && me.name.length > 0, me);
const owner = me.name;
const name = `${owner}/${prefix}-public`;
const repo = { type: "model", name };

const created = await createRepo({ repo, hubUrl, accessToken });
check("createRepo answers the repo URL", created.repoUrl === `${hubUrl}/${name}`, created);

const config = Buffer.from(JSON.stringify({ model_type: "bert", architectures: ["BertModel"] }));
const weights = randomBytes(LFS_SIZE);
const expected = new Map([
  ["config.json", sha256(config)],
  ["weights/model.bin", sha256(weights)],
]);
const requests = [];
const recordingFetch = (url, init) => {
  requests.push(`${init?.method ?? "GET"} ${url}`);
  return fetch(url, init);
};
const commit = await uploadFiles({
  repo, hubUrl, accessToken, fetch: recordingFetch,
  files: [
    { path: "config.json", content: new Blob([config]) },
    { path: "weights/model.bin", content: new Blob([weights]) },
  ],
  commitTitle: "Upload from the JS client",
  // the LFS path (what LFS-only clients do); xet-client.mjs drives the Xet path
  useXet: false,
});
check("uploadFiles commits (small file + multipart LFS file)", /^[0-9a-f]{40}$/.test(commit?.commit?.oid ?? ""), commit);
const partPuts = requests.filter((r) => r.startsWith("PUT ")).length;
const parts = Math.ceil(LFS_SIZE / Number(process.env.CHUNK_SIZE ?? 5 * 1024 * 1024));
check(`the LFS file went up in ${parts} part PUTs`, partPuts === parts, requests);
check("the commit URL is on the hub", commit.commit.url === `${hubUrl}/${name}/commit/${commit.commit.oid}`, commit.commit);

const found = [];
for await (const m of listModels({ search: { query: prefix }, hubUrl, accessToken })) {
  found.push(m.name);
}
check("listModels with search finds the repo", found.includes(name), found);

const info = await modelInfo({ name, hubUrl, accessToken, additionalFields: ["sha", "filePaths"] });
check("modelInfo answers at HEAD", info.name === name && info.sha === commit.commit.oid, info);
check("modelInfo lists the files", ["config.json", "weights/model.bin"].every((p) => info.filePaths.includes(p)), info.filePaths);

const entries = [];
for await (const e of listFiles({ repo, recursive: true, hubUrl, accessToken })) {
  entries.push(e);
}
const byPath = Object.fromEntries(entries.map((e) => [e.path, e]));
check("listFiles recursive has the folder", byPath["weights"]?.type === "directory", entries);
check("listFiles shows the LFS file's sha256 and size",
  byPath["weights/model.bin"]?.lfs?.oid === expected.get("weights/model.bin") && byPath["weights/model.bin"].size === LFS_SIZE,
  byPath["weights/model.bin"]);

for (const [path, hash] of expected) {
  const blob = await downloadFile({ repo, path, hubUrl, accessToken });
  const bytes = Buffer.from(await blob.arrayBuffer());
  check(`downloadFile ${path} has the uploaded bytes`, sha256(bytes) === hash, { size: bytes.length });
}
check("fileExists sees an existing file", await fileExists({ repo, path: "config.json", hubUrl, accessToken }));
check("fileExists does not see a missing one", !(await fileExists({ repo, path: "nope.txt", hubUrl, accessToken })));

const cacheDir = await mkdtemp(join(tmpdir(), "modelhub-js-cache-"));
try {
  const snapshot = await snapshotDownload({ repo, cacheDir, hubUrl, accessToken });
  check("snapshotDownload lands in the commit's snapshot folder", snapshot.endsWith(commit.commit.oid), snapshot);
  for (const [path, hash] of expected) {
    check(`snapshot ${path} has the uploaded bytes`, sha256(await readFile(join(snapshot, path))) === hash);
  }
} finally {
  await rm(cacheDir, { recursive: true, force: true });
}

const privateName = `${owner}/${prefix}-private`;
await createRepo({
  repo: { type: "model", name: privateName }, private: true, hubUrl, accessToken,
  files: [{ path: "secret.txt", content: new Blob(["top secret"]) }],
});
const privateInfo = await modelInfo({ name: privateName, hubUrl, accessToken, additionalFields: ["filePaths"] });
check("a private repo is visible with the token, with createRepo's files", privateInfo.private === true
  && privateInfo.filePaths.includes("secret.txt"), privateInfo);
await expectHttpError("a private repo is invisible without the token", 404, modelInfo({ name: privateName, hubUrl }));
await expectHttpError("a private file cannot be downloaded without the token", 404,
  downloadFile({ repo: { type: "model", name: privateName }, path: "secret.txt", hubUrl }));
const anonymous = [];
for await (const m of listModels({ search: { query: prefix }, hubUrl })) {
  anonymous.push(m.name);
}
check("listModels without the token hides the private repo", anonymous.includes(name) && !anonymous.includes(privateName), anonymous);
await expectHttpError("a wrong token gets 401", 401, whoAmI({ hubUrl, accessToken: "hf_ThisTokenDoesNotExist000000000000000" }));
await expectHttpError("a wrong token gets 401 on repo info too", 401,
  modelInfo({ name, hubUrl, accessToken: "hf_ThisTokenDoesNotExist000000000000000" }));

console.log(`ALL ${checks} CHECKS PASSED`);
