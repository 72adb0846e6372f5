// Who an envelope's `actor` is, by the form of its id: one place for the two forms an id of no
// registered officer takes. No zod here: the page bundles it (through labels.ts).

/** A service acting on its own, not on an officer's word (the office's scheduler): `svc.office`. */
export const serviceActor = (agency: string): string => `svc.${agency}`;

/** The identity a county in a box gives one role of an agency (tokens.json): `health.liaison`. */
export const roleActor = (agency: string, role: string): string => `${agency}.${role}`;

/** What an actor id says of itself: a service's, an agency role's, or nothing (an officer's id). */
export function actorForm(
  actor: string,
): { service: string } | { agency: string; role: string } | undefined {
  const dot = actor.indexOf(".");
  if (dot <= 0 || dot !== actor.lastIndexOf(".")) return undefined;
  const [head, tail] = [actor.slice(0, dot), actor.slice(dot + 1)];
  if (!tail) return undefined;
  return head === "svc" ? { service: tail } : { agency: head, role: tail };
}
