// Pushes one folder as a dataset with the real @huggingface/hub client, as `upload_folder` does: every file in one
// commit. Env: HUB_URL, HUB_TOKEN, FOLDER, REPO_PREFIX, TRIES (default 5), SALT (optional). Each try is a fresh repo,
// and tries after the first append the try number to every file so that its bytes are new to the store (no
// deduplication); SALT, when set, is appended to every file of every try (pushes running side by side stay apart).
// Prints "push <try> ok|FAILED <seconds> <files>" per try and "PUSHES <ok> OF <tries>" at the end.
import { createRepo, uploadFiles, whoAmI } from "@huggingface/hub";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

const hubUrl = process.env.HUB_URL;
const accessToken = process.env.HUB_TOKEN;
const folder = process.env.FOLDER;
const prefix = process.env.REPO_PREFIX ?? "bulk-push";
const tries = Number(process.env.TRIES ?? 5);
if (!hubUrl || !accessToken || !folder) {
  throw new Error("HUB_URL, HUB_TOKEN and FOLDER are required");
}

async function walk(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...await walk(path));
    } else {
      out.push(path);
    }
  }
  return out;
}

const paths = await walk(folder);
const contents = await Promise.all(paths.map((p) => readFile(p)));
const owner = (await whoAmI({ hubUrl, accessToken })).name;
let ok = 0;
for (let t = 1; t <= tries; t++) {
  const repo = { type: "dataset", name: `${owner}/${prefix}-${t}` };
  await createRepo({ repo, hubUrl, accessToken });
  const suffix = Buffer.from((t === 1 ? "" : `\ntry ${t}`) + (process.env.SALT ? `\n${process.env.SALT}` : ""));
  const files = paths.map((p, i) => ({
    path: relative(folder, p).split("\\").join("/"),
    content: new Blob([Buffer.concat([contents[i], suffix])]),
  }));
  const start = performance.now();
  try {
    await uploadFiles({ repo, hubUrl, accessToken, files, commitTitle: `push ${t}` });
    ok++;
    console.log(`push ${t} ok ${((performance.now() - start) / 1000).toFixed(2)} ${files.length}`);
  } catch (e) {
    console.log(`push ${t} FAILED ${((performance.now() - start) / 1000).toFixed(2)} ${files.length} ${e.message}`);
  }
}
console.log(`PUSHES ${ok} OF ${tries}`);
