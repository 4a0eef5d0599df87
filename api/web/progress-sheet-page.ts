/**
 * The progress sheet page of a review: download the sheet, and (for an agency, or the board with a
 * sheet an agency sent it) upload it filled in. The upload goes through the API's use-case (apply-progress-sheet.ts); a refusal lists every
 * problem by row and column, as the review import does.
 */
import type { FieldIssue } from '../../lib/errors';
import { IMPORT_UPLOAD_LIMITS } from '../http/uploads';
import type { SheetReview } from '../queries/progress-sheet';
import { mayUploadSheet, type ProgressSheetResult } from '../use-cases/apply-progress-sheet';
import { sheetProblems } from './board-pages';
import { html, type Part } from './html';
import type { FormState } from './kit';
import { csrfField, fieldProblem, type PageContext } from './layout';

function rowsTable(rows: { row: number; reference: string; agencyCode: string }[], id: string): Part {
  return html`<table class="responsive" aria-labelledby="${id}">
    <thead>
      <tr>
        <th scope="col">Row</th>
        <th scope="col">Action</th>
        <th scope="col">Agency</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td data-label="Row">${r.row}</td>
            <td data-label="Action">${r.reference}</td>
            <td data-label="Agency">${r.agencyCode}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function problemsSection(rowErrors: FieldIssue[], refusedWhileSending: boolean): Part {
  if (!rowErrors.length) return '';
  return sheetProblems(
    refusedWhileSending
      ? 'A row was refused as it was sent'
      : `Nothing was sent: ${rowErrors.length} problem${rowErrors.length === 1 ? '' : 's'} in the file`,
    rowErrors,
  );
}

export function progressSheetPage(
  ctx: PageContext,
  review: Pick<SheetReview, 'id' | 'reference' | 'title' | 'actions'>,
  opts: {
    state?: FormState;
    rowErrors?: FieldIssue[];
    refusedWhileSending?: boolean;
    result?: ProgressSheetResult;
  } = {},
): Part {
  const isAgency = ctx.user?.role === 'agency';
  const mayUpload = mayUploadSheet(ctx.user?.role ?? '');
  const file = fieldProblem(opts.state, 'file', 'file', 'file-hint');
  const result = opts.result;
  return html`<p><a href="/reviews/${review.id}">&larr; ${review.reference} review</a></p>
    <h1>Progress sheet: ${review.reference}</h1>
    <p>
      The action plan of ${review.title} as a spreadsheet${isAgency ? ', with your agency’s actions' : ''}: the plan’s
      columns, each action’s status, owner, due date and latest update, and a blank
      <strong>Progress update</strong> column, with optional <strong>Percent complete</strong>, <strong>RAG</strong> and
      <strong>RAG reason</strong> beside it: the only columns that can be typed in. An agency fills them in offline and
      uploads the file here, or sends it to the board to upload for it. Each filled-in row becomes a progress update on
      its action, as if posted on the action’s page: the agency’s current position, with no change of stage and no
      decision asked of the board.
    </p>
    <p>
      <a href="/reviews/${review.id}/progress-sheet.xlsx" download
        >Download the progress sheet for ${review.reference} (Excel, ${review.actions.length}
        action${review.actions.length === 1 ? '' : 's'})</a
      >
    </p>
    ${
      result
        ? html`<section class="notice" aria-labelledby="sent-h">
            <h2 id="sent-h" style="margin-top:0">
              ${result.sent.length} progress update${result.sent.length === 1 ? '' : 's'} recorded
            </h2>
            ${result.sent.length ? rowsTable(result.sent, 'sent-h') : ''}
            ${
              result.alreadySent.length
                ? html`<h3 id="again-h">Already recorded by an earlier upload (not sent twice)</h3>
                    ${rowsTable(result.alreadySent, 'again-h')}`
                : ''
            }
            <p style="margin-bottom:0">
              ${result.blankRows} row${result.blankRows === 1 ? '' : 's'} without a progress update
              ${result.blankRows === 1 ? 'was' : 'were'} skipped.
            </p>
          </section>`
        : ''
    }
    ${problemsSection(opts.rowErrors ?? [], opts.refusedWhileSending ?? false)}
    ${
      mayUpload
        ? html`<h2>Upload the filled-in sheet</h2>
            <p>
              ${
                isAgency
                  ? 'Every row is checked before anything is sent. A row must be one of your agency’s actions'
                  : html`Upload a sheet an agency sent you: each update is recorded as made by you, for the agency that
                    owns the action, and the agency sees it on its actions. Every row is checked before anything is
                    sent. A row must be an action of this review`
              },
              still as it was when the sheet was downloaded (the <strong>Version</strong> column), acknowledged and not
              closed. If any row has a problem, nothing is sent and every problem is listed by row and column.
            </p>
            <form
              class="stack"
              method="post"
              action="/reviews/${review.id}/progress-sheet"
              enctype="multipart/form-data"
            >
              ${csrfField(ctx)}
              <label for="file">Filled-in progress sheet (.xlsx)</label
              ><span class="hint" id="file-hint"
                >The file downloaded above, with the Progress update column filled in. Rows left blank are skipped. At
                most ${IMPORT_UPLOAD_LIMITS.maxFileSize / 1024 / 1024} MB.</span
              >
              ${file.message}<input
                id="file"
                name="file"
                type="file"
                required
                accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
                ${file.attrs}
              />
              <div><button class="primary" type="submit">Send the progress updates</button></div>
            </form>`
        : html`<p>
            An agency uploads its filled-in sheet on this page, signed in as one of its people, or the board uploads it
            for them. ${review.actions.length ? '' : 'This review has no actions yet.'}
          </p>`
    }`;
}
