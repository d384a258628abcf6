const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The fields that Probot (installation auth) and the handlers read before their own error handling. GitHub always
 * sends them well-formed, so a signed payload without them is ignored with a 400 instead of crashing into a 500.
 */
export function malformedField(event: string, p: Record<string, unknown>): string | null {
  const inst = p.installation;
  if (inst != null && !(isObject(inst) && Number.isSafeInteger(inst.id) && (inst.id as number) > 0))
    return 'installation.id';
  const subject = event === 'issues' ? 'issue' : event === 'pull_request' ? 'pull_request' : null;
  const repo = p.repository;
  if (repo !== undefined || subject) {
    if (!isObject(repo) || typeof repo.full_name !== 'string' || typeof repo.name !== 'string') return 'repository';
    if (!isObject(repo.owner) || typeof repo.owner.login !== 'string') return 'repository.owner';
  }
  if (p.sender != null && !(isObject(p.sender) && typeof p.sender.login === 'string')) return 'sender';
  if (subject) {
    const item = p[subject];
    if (!isObject(item) || !Number.isSafeInteger(item.number)) return subject;
    if (item.labels != null && !Array.isArray(item.labels)) return `${subject}.labels`;
  }
  return null;
}
