// lot/local.js: the marks and samples made in this browser tab, per user
// and lot. The server stores them (and sends an event for each), but its
// API has no endpoint yet that lists a lot's marks or samples; until it
// has, the lot page lists what was made here, and says so. Memory only: a
// reload starts empty, another user of the tab never sees them.

const store = new Map();

// {marks: [mark], samples: [{sample, results: [lab_result]}]} of a lot.
export function localOf (userId, lotId) {
  const key = `${userId}/${lotId}`;
  let entry = store.get(key);
  if (!entry) {
    entry = { marks: [], samples: [] };
    store.set(key, entry);
  }
  return entry;
}
