import { z } from 'zod';

/** `current.json`: which version a scope serves, and where a rollback goes. */
export const pointerSchema = z.object({
  version: z.string().min(1),
  published_at: z.string(),
  previous: z.string().min(1).optional(),
});
export type ModelPointer = z.infer<typeof pointerSchema>;

export function parsePointer(text: string, where: string): ModelPointer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where}: pointer is not JSON`);
  }
  const parsed = pointerSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${where}: invalid pointer: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}
