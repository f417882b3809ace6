// ui.mjs: steps through the rvi UI that many browser tests share (sign in,
// sign out, open a section), written against visible labels and roles the
// way a person would find them.

export const TIMEOUT = 15000;

// Opens the app and waits for the login form.
export async function openLogin (page, baseUrl) {
  await page.goto(baseUrl, { waitUntil: 'domcontentloaded' });
  await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
}

// Fills and submits the login form (Enter in the password field).
export async function submitLogin (page, username, password) {
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
}

// Signs in and waits for the shell (the user's name in the header).
export async function login (page, baseUrl, user) {
  await openLogin(page, baseUrl);
  await submitLogin(page, user.name, user.password);
  await page.locator('.topbar .user-name').waitFor({ timeout: TIMEOUT });
}

export async function logout (page) {
  await page.locator('.topbar .logout').click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: TIMEOUT });
}

// The section ids in the navigation, without the overview link.
export async function navSections (page) {
  const ids = await page.locator('nav .nav-link').evaluateAll((links) => links.map((a) => a.dataset.section));
  return ids.filter((id) => id !== 'home').sort();
}

// The text of the toast of the given kind, once one appears.
export async function toastText (page, kind) {
  const toast = page.locator(`.toast[data-kind="${kind}"]`).last();
  await toast.waitFor({ timeout: TIMEOUT });
  return toast.innerText();
}
