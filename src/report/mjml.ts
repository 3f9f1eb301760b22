import mjml2html from 'mjml';

/** MJML → responsive HTML (strict: an invalid template is an error, not a mail that looks wrong). */
export async function mjmlToHtml(mjml: string): Promise<string> {
  const out = await mjml2html(mjml, { validationLevel: 'strict' });
  if (out.errors?.length)
    throw new Error(
      `digest template is invalid MJML: ${out.errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('; ')}`,
    );
  return out.html;
}
