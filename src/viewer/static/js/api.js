// The viewer's JSON API (served by src/viewer/app-server.ts) and picture URLs.

export async function getJson(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export async function postJson(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
  return response.json();
}

/** A layer picture of an image in a run; `version` busts the browser cache when the run changes. */
export function layerUrl(run, id, layer, version) {
  return `/api/layer/${run}/${encodeURIComponent(id)}/${layer}?v=${encodeURIComponent(version)}`;
}
