import type { Actor } from '../../workflows/types';

/** The agency an actor is confined to, or null for board and admin (who see every agency). */
export interface Scope {
  agencyId: string | null;
}

export const scopeOf = (actor: Pick<Actor, 'role' | 'agencyId'>): Scope => ({
  // An agency user without an agency would see everything if this fell through: fail closed.
  agencyId: actor.role === 'agency' ? (actor.agencyId ?? '00000000-0000-0000-0000-000000000000') : null,
});

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
