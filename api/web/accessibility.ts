import { html, type Part } from './html';

/**
 * The accessibility statement every public-sector service publishes (the Public Sector Bodies
 * Accessibility Regulations 2018): what meets WCAG 2.2 AA, how it is checked, what is known
 * not to, and whom to tell.
 */
export function accessibilityPage(): Part {
  return html`<h1>Accessibility statement</h1>
    <p>
      This statement covers the safeguarding action plans service: the pages agencies and the board use to follow the
      actions of a review, and the progress statements it publishes.
    </p>
    <h2>How accessible this service is</h2>
    <p>We want as many people as possible to be able to use it. You should be able to:</p>
    <ul>
      <li>
        do everything with a keyboard alone: every link, button and form field can be reached with Tab and used with
        Enter or Space, and the focus is always visible;
      </li>
      <li>
        use a screen reader: pages have headings and landmarks, form fields have labels, and a problem with a form is
        listed at the top and shown beside its field;
      </li>
      <li>
        zoom to 400% and use a phone-width screen without scrolling sideways for text; tables become lists of labelled
        values;
      </li>
      <li>
        read the RAG status without telling colours apart: each carries a word and a symbol, and the charts have
        patterns, a text description and their numbers in a table.
      </li>
    </ul>
    <h2>Compliance status</h2>
    <p>
      The service aims to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA. Every page, in
      each of its states (signed out, as an agency, as the board, forms with problems, empty and full lists, on a
      phone-width screen), is checked by the automated axe-core rules for levels A and AA on each change, and a journey
      is done with the keyboard alone: signing in, acknowledging an action, sending evidence with a file and signing
      out.
    </p>
    <h2>What is not yet accessible</h2>
    <ul>
      <li>
        Automated checks find only part of the problems people meet. The service has not yet been tested by disabled
        users or audited by a specialist; until it is, it is partially compliant.
      </li>
      <li>
        Files that agencies upload as evidence (PDF, Office documents) are shown as they were sent; we cannot make them
        accessible.
      </li>
    </ul>
    <h2>Tell us about a problem</h2>
    <p>
      If you find a part of the service you cannot use, or need information in another format, tell the board's business
      manager. Say which page and what you were trying to do. We will reply within 5 working days.
    </p>
    <h2>Enforcement</h2>
    <p>
      The Equality and Human Rights Commission is responsible for enforcing the accessibility regulations. If you are
      not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS).
    </p>
    <p class="muted">
      This statement was prepared on 29 November 2026 and is reviewed with every release that changes the pages.
    </p>`;
}
