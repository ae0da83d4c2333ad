// `/`: each side's start page, or the sign-in form.

import { homeFor } from "../routes.js";

export async function render(ctx) {
  const next = ctx.viewer ? homeFor(ctx.viewer) : "/signin";
  ctx.navigate(next, { replace: true, notice: ctx.notice });
}
