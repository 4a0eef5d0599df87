/**
 * Issue 17: the files of a progress update and of impact evidence can be downloaded, by the
 * evidence files' rule: whoever may see the action (the owning agency, the board), another agency
 * 404 as if it did not exist; a file is found only under its own action and its own update or evidence.
 */
import { fixture, PDF, type Fixture } from './fixtures';
import { ApiStack } from './stack';

let stack: ApiStack;
let update: Fixture;
let impact: Fixture;
beforeAll(async () => {
  stack = await new ApiStack().start();
  update = await fixture(stack, 'update_with_attachment');
  impact = await fixture(stack, 'impact_with_attachment');
}, 180_000);
afterAll(() => stack?.stop());

const SHA = /^[0-9a-f]{64}$/;

describe.each([
  ['a progress update', 'updates', 'progressUpdates', 'briefing-register.pdf', () => update],
  ['impact evidence', 'impact-evidence', 'impactEvidence', 'audit.pdf', () => impact],
] as const)('a file of %s', (_what, parent, list, filename, f) => {
  it('is listed on the action with its url, and downloads as sent, never inline', async () => {
    const detail = await stack.get(`/api/v1/actions/${f().actionId}`, 'owner');
    expect(detail.status).toBe(200);
    const [item] = detail.body[list];
    expect(item.attachments).toHaveLength(1);
    const file = item.attachments[0];
    expect(file).toMatchObject({ filename, mediaType: 'application/pdf', size: PDF.length });
    expect(file.sha256).toMatch(SHA);
    expect(file.url).toBe(`/api/v1/actions/${f().actionId}/${parent}/${item.id}/attachments/${file.sha256}`);
    for (const caller of ['owner', 'board', 'admin'] as const) {
      const res = await stack.get(file.url, caller).buffer(true);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="${filename}"`));
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(Buffer.from(res.body as Buffer).equals(PDF)).toBe(true);
    }
  });

  it('another agency, another action, another parent or content, a malformed name: 404', async () => {
    const url = f().fileUrl!;
    expect((await stack.get(url, 'other')).status).toBe(404);
    // The owner can see both fixtures' actions; the file belongs to one only.
    const otherAction = (f() === update ? impact : update).actionId;
    expect((await stack.get(url.replace(f().actionId, otherAction), 'owner')).status).toBe(404);
    const [, , , , , , parentId, , sha] = url.split('/');
    expect((await stack.get(url.replace(parentId, '00000000-0000-4000-8000-000000000000'), 'owner')).status).toBe(404);
    expect((await stack.get(url.replace(sha, 'a'.repeat(64)), 'owner')).status).toBe(404);
    // A path that names no file at all is "no such resource", as a malformed id is everywhere.
    expect((await stack.get(url.replace(sha, 'not-a-sha'), 'owner')).status).toBe(404);
    // The other kind of parent does not hold it either.
    const swapped = url.replace(`/${parent}/`, parent === 'updates' ? '/impact-evidence/' : '/updates/');
    expect((await stack.get(swapped, 'owner')).status).toBe(404);
  });
});
