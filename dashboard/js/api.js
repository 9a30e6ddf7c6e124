// HTTP client of the Footfall analytics API. Every failure becomes an
// ApiError whose kind selects the plain-words message the page shows.

export class ApiError extends Error {
  /**
   * @param {"unauthorized"|"forbidden"|"not_found"|"unreachable"|"http"|"invalid"} kind
   * @param {string} message sentence shown to the user
   * @param {number|null} status HTTP status, null when no response arrived
   */
  constructor(kind, message, status = null) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
  }
}

// Turn a problem-details body into one sentence: its detail plus the
// field errors, so the user sees which value the service rejected.
function describeProblem(problem, fallback) {
  if (!problem || typeof problem !== "object") {
    return fallback;
  }

  let text = problem.detail || problem.title || fallback;
  if (Array.isArray(problem.errors) && problem.errors.length > 0) {
    const fields = problem.errors
      .map((error) => (error.field ? `${error.field}: ${error.message}` : error.message))
      .join("; ");
    text = `${text} (${fields})`;
  }
  return text;
}

async function readProblem(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export function createClient(key) {
  async function get(path, params = {}) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== "") {
        url.searchParams.set(name, String(value));
      }
    }

    let response;
    try {
      response = await fetch(url, {
        headers: { Authorization: `Bearer ${key}`, Accept: "application/json" },
        cache: "no-store",
      });
    } catch {
      // fetch rejects only when no HTTP response arrived at all.
      throw new ApiError(
        "unreachable",
        `The Footfall service at ${window.location.origin} cannot be reached. ` +
          "Check that the service is running and that this device is on the network; " +
          "the page tries again every 30 seconds.",
      );
    }

    if (response.ok) {
      try {
        return await response.json();
      } catch {
        throw new ApiError(
          "invalid",
          `The service sent an answer to ${url.pathname} that is not JSON. ` +
            "Reload the page; if it happens again, check the service's log.",
          response.status,
        );
      }
    }

    const problem = await readProblem(response);
    if (response.status === 401) {
      throw new ApiError(
        "unauthorized",
        "The service did not accept this API key: it is wrong, or it was revoked. " +
          "Check the key and sign in again.",
        401,
      );
    }
    if (response.status === 403) {
      throw new ApiError(
        "forbidden",
        describeProblem(problem, "This key may not see this store.") +
          " Sign in with an admin key or a viewer key of this store.",
        403,
      );
    }
    if (response.status === 404) {
      throw new ApiError("not_found", describeProblem(problem, `${url.pathname} was not found.`), 404);
    }
    throw new ApiError(
      "http",
      `The service failed to answer ${url.pathname} (HTTP ${response.status}): ` +
        describeProblem(problem, response.statusText) +
        ". The page tries again every 30 seconds.",
      response.status,
    );
  }

  return { get };
}
