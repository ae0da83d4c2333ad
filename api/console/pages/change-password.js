// `/change-password`: a temporary password (set by someone else) must be changed before
// anything else opens; the console brings its holder here.

import { h, replace } from "../dom.js";
import { changePasswordForm } from "../password-form.js";

export async function render(ctx) {
  const next = ctx.safeNext(ctx.query.get("next"));
  const temporary = ctx.viewer.mustChangePassword;
  replace(
    ctx.container,
    h("h1", {}, temporary ? "Change your temporary password" : "Change your password"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    temporary
      ? h("p", {}, "Your password was set by someone else. Choose your own to go on: nothing else opens until you do.")
      : null,
    changePasswordForm({
      label: "Change your password",
      onChanged: async () => {
        ctx.forgetViewer();
        ctx.navigate(next === "/change-password" ? "/" : next, { notice: "Your password is changed." });
      },
    }),
  );
}
