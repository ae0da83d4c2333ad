// `/`: each side's start page, or the sign-in form.

import { HOME } from "../routes.js";

export async function render(ctx) {
  const next = ctx.viewer ? HOME[ctx.viewer.organization.kind] : "/signin";
  ctx.navigate(next, { replace: true, notice: ctx.notice });
}
