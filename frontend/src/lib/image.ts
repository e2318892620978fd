/** Turn a picked image file into a base64 JPEG under Spotify's 256 KB cover limit. */
export const MAX_COVER_BYTES = 256 * 1024;

export async function fileToCoverJpeg(file: File, maxSide = 640): Promise<string> {
	const bitmap = await createImageBitmap(file);
	let side = Math.min(maxSide, Math.max(bitmap.width, bitmap.height));
	for (let attempt = 0; attempt < 6; attempt++) {
		const canvas = document.createElement('canvas');
		// A square crop from the centre, as covers are square.
		const crop = Math.min(bitmap.width, bitmap.height);
		canvas.width = canvas.height = side;
		const ctx = canvas.getContext('2d');
		if (!ctx) throw new Error('This browser cannot resize images.');
		ctx.drawImage(
			bitmap,
			(bitmap.width - crop) / 2,
			(bitmap.height - crop) / 2,
			crop,
			crop,
			0,
			0,
			side,
			side
		);
		const dataUrl = canvas.toDataURL('image/jpeg', 0.85 - attempt * 0.1);
		const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
		if (base64.length <= MAX_COVER_BYTES) return base64;
		side = Math.round(side * 0.75);
	}
	throw new Error('The image is too large even after resizing.');
}
