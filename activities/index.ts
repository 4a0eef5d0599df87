/**
 * The activities, built once per worker with their dependencies injected (docs/ARCHITECTURE.md, House rules). Workflows
 * type their proxies as `ReturnType<typeof createActivities>`.
 */
import type { Db } from '../db/client';
import type { Mailer } from '../lib/mailer';
import type {
  ActionEvent,
  NotificationRequest,
  RecommendationCompletion,
  RecommendationReopening,
} from '../workflows/types';
import { createFailureRecorder } from './failure-record';
import { projectActionEvent } from './projection';
import { completeRecommendation, reopenRecommendation } from './recommendation';
import { sendNotification, type OutboxConfig } from './outbox';
import { sendSignInMail, type SignInMailResult } from './sign-in-mail';

import { useAuditKey } from './audit';
import { planDigests, sendDigest, type DigestPlan } from './digest';

export { verifyAuditChain } from './audit';

export interface ActivityLog {
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
}

export interface ActivityDeps {
  db: Db;
  mailer: Mailer;
  config: OutboxConfig;
  log?: ActivityLog;
  /** Signs the audit chain (AUDIT_KEY); without it events are chained by plain sha256. */
  auditKey?: string;
}

export function createActivities({ db, mailer, config, log, auditKey }: ActivityDeps) {
  useAuditKey(auditKey);
  // Every failure is recorded for the operator (/metrics, npm run doctor) and then rethrown unchanged.
  const failures = createFailureRecorder(db, (msg, meta) => log?.warn(msg, meta));
  return {
    async projectActionEvent(event: ActionEvent): Promise<{ applied: boolean }> {
      try {
        const result = await projectActionEvent(db, event, auditKey);
        await failures.projected(event);
        return result;
      } catch (err) {
        await failures.projectionFailed(event, err);
        throw err;
      }
    },
    async sendNotification(
      req: NotificationRequest,
    ): Promise<{ status: 'sent' | 'already_sent'; to: string[]; cc: string[] }> {
      try {
        return await sendNotification({ db, mailer, config }, req);
      } catch (err) {
        log?.warn('notification not sent yet', { kind: req.kind, occasion: req.occasion, error: String(err) });
        await failures.failed('sendNotification', err);
        throw err;
      }
    },
    async sendSignInMail(input: {
      notificationId: string;
      browserNonceHash?: string | null;
    }): Promise<SignInMailResult> {
      try {
        return await sendSignInMail({ db, mailer, config }, input);
      } catch (err) {
        log?.warn('sign-in mail not sent yet', { error: String(err) });
        await failures.failed('sendSignInMail', err);
        throw err;
      }
    },
    // ---- issue 18: the daily digest ----
    async planDigests(day?: string): Promise<DigestPlan> {
      return planDigests(db, new Date(), day).catch(async (err: unknown) => {
        await failures.failed('planDigests', err);
        throw err;
      });
    },
    async sendDigest(input: {
      userId: string;
      day: string;
    }): Promise<{ status: 'sent' | 'already_sent' | 'nothing'; items: number }> {
      try {
        return await sendDigest({ db, mailer, config }, input);
      } catch (err) {
        log?.warn('digest not sent yet', { userId: input.userId, day: input.day, error: String(err) });
        await failures.failed('sendDigest', err);
        throw err;
      }
    },
    async completeRecommendation(c: RecommendationCompletion): Promise<void> {
      await completeRecommendation(db, c, auditKey).catch(async (err: unknown) => {
        await failures.failed('completeRecommendation', err);
        throw err;
      });
      log?.info('recommendation complete', { recommendationId: c.recommendationId, status: c.status });
    },
    async reopenRecommendation(r: RecommendationReopening): Promise<void> {
      await reopenRecommendation(db, r, auditKey).catch(async (err: unknown) => {
        await failures.failed('reopenRecommendation', err);
        throw err;
      });
      log?.info('recommendation open again', { recommendationId: r.recommendationId, actionId: r.actionId });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
