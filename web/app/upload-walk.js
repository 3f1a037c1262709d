// Turns what the user dropped or picked into a flat list of {file, name}, where name is the
// path inside a dropped folder (the server reports files by that name).

const readEntries = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
const entryFile = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));

async function walk(entry, out, errors, onFound) {
  if (entry.isFile) {
    try {
      const file = await entryFile(entry);
      out.push({ file, name: entry.fullPath.replace(/^\/+/, '') || file.name });
      onFound(out.length);
    } catch (e) {
      errors.push(`${entry.fullPath}: ${e.message || 'could not be read'}`);
    }
  } else if (entry.isDirectory) {
    const reader = entry.createReader();
    // readEntries hands out a directory in batches (100 in Chrome) until it returns none.
    for (;;) {
      let batch;
      try { batch = await readEntries(reader); } catch (e) {
        errors.push(`${entry.fullPath}: ${e.message || 'could not be read'}`);
        break;
      }
      if (!batch.length) break;
      for (const child of batch) await walk(child, out, errors, onFound);
    }
  }
}

/**
 * Must be called inside the drop handler: the DataTransfer is emptied once it returns, so the
 * entries are taken synchronously and walked afterwards. Resolves to {files, errors}.
 */
export function filesFromDrop(dataTransfer, onFound = () => {}) {
  const entries = [];
  const loose = [];
  const items = dataTransfer?.items ? Array.from(dataTransfer.items) : [];
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) { entries.push(entry); continue; }
    const file = item.getAsFile();
    if (file) loose.push(file);
  }
  if (!entries.length && !loose.length) loose.push(...Array.from(dataTransfer?.files || []));

  return (async () => {
    const out = loose.map((file) => ({ file, name: file.webkitRelativePath || file.name }));
    const errors = [];
    for (const entry of entries) await walk(entry, out, errors, onFound);
    return { files: out, errors };
  })();
}

/** Files from <input type=file>, with their folder path when a folder was picked. */
export function filesFromInput(input) {
  return Array.from(input.files || []).map((file) => ({ file, name: file.webkitRelativePath || file.name }));
}
