/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Models as safetensors (https://github.com/huggingface/safetensors):
 * 8-byte little-endian header length N, N bytes of JSON, then the raw
 * little-endian tensors.  The JSON maps each tensor name to its dtype,
 * shape and [begin, end) byte offsets in the data; "__metadata__" holds
 * string pairs: here the architecture string, input length and number of
 * classes (so a file is self-describing), and whatever the caller set
 * (class names, grid, preprocessing). */
#include "nn/nn-private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NN_FORMAT          "emissary-cnn-1"
#define NN_MAX_HEADER      (16u << 20)
#define NN_MAX_JSON_DEPTH  8

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NN_BIG_ENDIAN 1
#else
#define NN_BIG_ENDIAN 0
#endif

/* ---- A small JSON reader: enough for any safetensors header. ---- */

typedef enum
{
  J_NULL,
  J_BOOL,
  J_NUM,
  J_STR,
  J_ARR,
  J_OBJ,
} JType;

typedef struct JVal JVal;
struct JVal
{
  JType  type;
  double num;
  char  *str;
  int    n;
  char **keys; /* objects */
  JVal  *items;
};

typedef struct
{
  const char *s, *end, *p;
  char       *error;
} JParser;

static void
jval_clear (JVal *v)
{
  free (v->str);
  for (int i = 0; i < v->n; i++)
    {
      if (v->keys != NULL)
        free (v->keys[i]);
      jval_clear (&v->items[i]);
    }
  free (v->keys);
  free (v->items);
  memset (v, 0, sizeof *v);
}

static int
jfail (JParser *jp, const char *what)
{
  if (jp->error == NULL)
    jp->error = nn_strdup_printf ("JSON header, byte %zu: %s", (size_t) (jp->p - jp->s), what);
  return 0;
}

static void
jskip (JParser *jp)
{
  while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
    jp->p++;
}

static int
hex4 (const char *p, unsigned *out)
{
  unsigned v = 0;

  for (int i = 0; i < 4; i++)
    {
      char c = p[i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return 0;
    }
  *out = v;
  return 1;
}

static int
jstring (JParser *jp, char **out)
{
  size_t cap = 16, len = 0;
  char *buf;

  if (jp->p >= jp->end || *jp->p != '"')
    return jfail (jp, "expected a string");
  jp->p++;
  if ((buf = malloc (cap)) == NULL)
    return jfail (jp, "out of memory");
  for (;;)
    {
      unsigned cp;
      char enc[4];
      int n_enc = 1;

      if (jp->p >= jp->end)
        {
          free (buf);
          return jfail (jp, "unterminated string");
        }
      cp = (unsigned char) *jp->p++;
      if (cp == '"')
        break;
      if (cp < 0x20)
        {
          free (buf);
          return jfail (jp, "control character in a string");
        }
      if (cp == '\\')
        {
          char e = jp->p < jp->end ? *jp->p++ : '\0';
          switch (e)
            {
            case '"': case '\\': case '/': cp = (unsigned char) e; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u':
              if (jp->end - jp->p < 4 || !hex4 (jp->p, &cp))
                {
                  free (buf);
                  return jfail (jp, "bad \\u escape");
                }
              jp->p += 4;
              if (cp >= 0xd800 && cp < 0xdc00)
                {
                  unsigned lo;
                  if (jp->end - jp->p < 6 || jp->p[0] != '\\' || jp->p[1] != 'u'
                      || !hex4 (jp->p + 2, &lo) || lo < 0xdc00 || lo >= 0xe000)
                    {
                      free (buf);
                      return jfail (jp, "unpaired surrogate in a \\u escape");
                    }
                  jp->p += 6;
                  cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
              else if ((cp >= 0xdc00 && cp < 0xe000) || cp == 0)
                {
                  free (buf);
                  return jfail (jp, "invalid \\u escape");
                }
              break;
            default:
              free (buf);
              return jfail (jp, "bad escape in a string");
            }
          /* Encode the code point as UTF-8. */
          if (cp < 0x80)
            enc[0] = (char) cp;
          else if (cp < 0x800)
            {
              enc[0] = (char) (0xc0 | (cp >> 6));
              enc[1] = (char) (0x80 | (cp & 0x3f));
              n_enc = 2;
            }
          else if (cp < 0x10000)
            {
              enc[0] = (char) (0xe0 | (cp >> 12));
              enc[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
              enc[2] = (char) (0x80 | (cp & 0x3f));
              n_enc = 3;
            }
          else
            {
              enc[0] = (char) (0xf0 | (cp >> 18));
              enc[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
              enc[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
              enc[3] = (char) (0x80 | (cp & 0x3f));
              n_enc = 4;
            }
        }
      else
        enc[0] = (char) cp;
      if (len + n_enc + 1 > cap)
        {
          char *grown;
          cap *= 2;
          if ((grown = realloc (buf, cap)) == NULL)
            {
              free (buf);
              return jfail (jp, "out of memory");
            }
          buf = grown;
        }
      memcpy (buf + len, enc, n_enc);
      len += n_enc;
    }
  buf[len] = '\0';
  *out = buf;
  return 1;
}

static int jvalue (JParser *jp, JVal *v, int depth);

static int
jpush (JParser *jp, JVal *v, char *key)
{
  JVal *items = realloc (v->items, sizeof (JVal) * (v->n + 1));

  if (items == NULL)
    {
      free (key);
      return jfail (jp, "out of memory");
    }
  v->items = items;
  memset (&items[v->n], 0, sizeof (JVal));
  if (v->type == J_OBJ)
    {
      char **keys = realloc (v->keys, sizeof (char *) * (v->n + 1));
      if (keys == NULL)
        {
          free (key);
          return jfail (jp, "out of memory");
        }
      v->keys = keys;
      keys[v->n] = key;
    }
  v->n++;
  return 1;
}

static int
jvalue (JParser *jp, JVal *v, int depth)
{
  memset (v, 0, sizeof *v);
  jskip (jp);
  if (jp->p >= jp->end)
    return jfail (jp, "unexpected end");
  if (depth > NN_MAX_JSON_DEPTH)
    return jfail (jp, "nested too deeply");
  switch (*jp->p)
    {
    case '{':
    case '[':
      {
        int obj = *jp->p == '{';
        char close = obj ? '}' : ']';
        v->type = obj ? J_OBJ : J_ARR;
        jp->p++;
        jskip (jp);
        if (jp->p < jp->end && *jp->p == close)
          {
            jp->p++;
            return 1;
          }
        for (;;)
          {
            char *key = NULL;
            jskip (jp);
            if (obj)
              {
                if (!jstring (jp, &key))
                  return 0;
                jskip (jp);
                if (jp->p >= jp->end || *jp->p != ':')
                  {
                    free (key);
                    return jfail (jp, "expected “:”");
                  }
                jp->p++;
              }
            if (!jpush (jp, v, key) || !jvalue (jp, &v->items[v->n - 1], depth + 1))
              return 0;
            jskip (jp);
            if (jp->p < jp->end && *jp->p == ',')
              {
                jp->p++;
                continue;
              }
            if (jp->p < jp->end && *jp->p == close)
              {
                jp->p++;
                return 1;
              }
            return jfail (jp, obj ? "expected “,” or “}”" : "expected “,” or “]”");
          }
      }
    case '"':
      v->type = J_STR;
      return jstring (jp, &v->str);
    case 't':
    case 'f':
    case 'n':
      {
        static const char *const words[] = { "true", "false", "null" };
        for (int i = 0; i < 3; i++)
          {
            size_t len = strlen (words[i]);
            if ((size_t) (jp->end - jp->p) >= len && memcmp (jp->p, words[i], len) == 0)
              {
                jp->p += len;
                v->type = i < 2 ? J_BOOL : J_NULL;
                v->num = i == 0;
                return 1;
              }
          }
        return jfail (jp, "unknown literal");
      }
    default:
      {
        char tmp[64];
        size_t len = 0;
        char *endp;
        while (jp->p + len < jp->end && len < sizeof tmp - 1
               && strchr ("+-0123456789.eE", jp->p[len]) != NULL && jp->p[len] != '\0')
          len++;
        if (len == 0)
          return jfail (jp, "unexpected character");
        memcpy (tmp, jp->p, len);
        tmp[len] = '\0';
        v->type = J_NUM;
        v->num = strtod (tmp, &endp);
        if (*endp != '\0')
          return jfail (jp, "bad number");
        jp->p += len;
        return 1;
      }
    }
}

static const JVal *
jget (const JVal *obj, const char *key)
{
  if (obj->type != J_OBJ)
    return NULL;
  for (int i = 0; i < obj->n; i++)
    if (strcmp (obj->keys[i], key) == 0)
      return &obj->items[i];
  return NULL;
}

static int
jint (const JVal *v, double max, size_t *out)
{
  if (v == NULL || v->type != J_NUM || !(v->num >= 0) || v->num > max || v->num != floor (v->num))
    return 0;
  *out = (size_t) v->num;
  return 1;
}

/* ---- Writing ---- */

typedef struct
{
  char  *s;
  size_t len, cap;
  int    oom;
} Buf;

static void
buf_add (Buf *b, const char *s, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap)
    {
      size_t cap = b->cap ? b->cap : 256;
      char *grown;
      while (b->len + n + 1 > cap)
        cap *= 2;
      if ((grown = realloc (b->s, cap)) == NULL)
        {
          b->oom = 1;
          return;
        }
      b->s = grown;
      b->cap = cap;
    }
  memcpy (b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void
buf_str (Buf *b, const char *s)
{
  buf_add (b, s, strlen (s));
}

static void
buf_json_string (Buf *b, const char *s)
{
  buf_add (b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      char esc[8];
      if (*p == '"' || *p == '\\')
        {
          esc[0] = '\\';
          esc[1] = (char) *p;
          buf_add (b, esc, 2);
        }
      else if (*p < 0x20)
        {
          snprintf (esc, sizeof esc, "\\u%04x", *p);
          buf_add (b, esc, 6);
        }
      else
        buf_add (b, (const char *) p, 1);
    }
  buf_add (b, "\"", 1);
}

static void
buf_meta (Buf *b, const char *key, const char *value)
{
  if (b->s[b->len - 1] != '{')
    buf_str (b, ",");
  buf_json_string (b, key);
  buf_str (b, ":");
  buf_json_string (b, value);
}

/* Shapes of the tensors of a layer: conv weights (C_out, K, C_in), dense
 * weights (out, in), biases (out). */
static int
tensor_shape (const NnLayer *L, int bias, size_t shape[3])
{
  if (bias)
    {
      shape[0] = L->c_out;
      return 1;
    }
  if (L->kind == NN_LAYER_CONV)
    {
      shape[0] = L->c_out;
      shape[1] = L->k;
      shape[2] = L->c_in;
      return 3;
    }
  shape[0] = L->c_out;
  shape[1] = (size_t) L->c_in * L->l_in;
  return 2;
}

int
nn_model_save (const NnModel *m,
               const char    *path,
               char         **err)
{
  Buf h = { 0 };
  char num[64], *tmp = NULL;
  size_t offset = 0;
  uint64_t hlen;
  unsigned char le[8];
  FILE *f = NULL;
  int fd;

  buf_str (&h, "{\"__metadata__\":{");
  buf_meta (&h, "format", NN_FORMAT);
  buf_meta (&h, "architecture", m->architecture);
  snprintf (num, sizeof num, "%d", m->n_in);
  buf_meta (&h, "n_in", num);
  snprintf (num, sizeof num, "%d", m->n_classes);
  buf_meta (&h, "n_classes", num);
  for (int i = 0; i < m->n_meta; i++)
    buf_meta (&h, m->meta_keys[i], m->meta_values[i]);
  buf_str (&h, "}");
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *L = &m->layers[i];
      if (L->kind != NN_LAYER_CONV && L->kind != NN_LAYER_DENSE)
        continue;
      for (int bias = 0; bias < 2; bias++)
        {
          size_t shape[3], numel = 1;
          int rank = tensor_shape (L, bias, shape);
          char name[40];
          snprintf (name, sizeof name, "%s.%s", L->name, bias ? "bias" : "weight");
          buf_str (&h, ",");
          buf_json_string (&h, name);
          buf_str (&h, ":{\"dtype\":\"F32\",\"shape\":[");
          for (int d = 0; d < rank; d++)
            {
              snprintf (num, sizeof num, "%s%zu", d ? "," : "", shape[d]);
              buf_str (&h, num);
              numel *= shape[d];
            }
          snprintf (num, sizeof num, "],\"data_offsets\":[%zu,%zu]}", offset,
                    offset + numel * sizeof (float));
          buf_str (&h, num);
          offset += numel * sizeof (float);
        }
    }
  buf_str (&h, "}");
  /* Pad with spaces so that the data starts 8-byte aligned. */
  while (!h.oom && (h.len + 8) % 8 != 0)
    buf_str (&h, " ");
  if (h.oom)
    {
      free (h.s);
      nn_set_error (err, "out of memory writing “%s”", path);
      return NN_ERROR;
    }

  hlen = h.len;
  for (int i = 0; i < 8; i++)
    le[i] = (unsigned char) (hlen >> (8 * i));
  tmp = nn_strdup_printf ("%s.tmp-XXXXXX", path);
  if (tmp == NULL || (fd = mkstemp (tmp)) < 0)
    {
      nn_set_error (err, "cannot create a temporary file next to “%s”: %s", path, strerror (errno));
      goto fail;
    }
  if ((f = fdopen (fd, "wb")) == NULL)
    {
      close (fd);
      nn_set_error (err, "cannot write “%s”: %s", tmp, strerror (errno));
      goto fail_unlink;
    }
  if (fwrite (le, 1, 8, f) != 8 || fwrite (h.s, 1, h.len, f) != h.len)
    goto write_error;
  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *L = &m->layers[i];
      if (L->kind != NN_LAYER_CONV && L->kind != NN_LAYER_DENSE)
        continue;
      /* Weights and bias are adjacent in the arena, as in the file. */
      const float *p = m->params + L->w_off;
      size_t count = L->n_w + L->c_out;
#if NN_BIG_ENDIAN
      for (size_t j = 0; j < count; j++)
        {
          uint32_t u;
          memcpy (&u, p + j, 4);
          u = __builtin_bswap32 (u);
          if (fwrite (&u, 4, 1, f) != 1)
            goto write_error;
        }
#else
      if (fwrite (p, sizeof (float), count, f) != count)
        goto write_error;
#endif
    }
  if (fflush (f) != 0 || fsync (fileno (f)) != 0)
    goto write_error;
  if (fclose (f) != 0)
    {
      f = NULL;
      goto write_error;
    }
  f = NULL;
  if (rename (tmp, path) != 0)
    {
      nn_set_error (err, "cannot rename “%s” to “%s”: %s", tmp, path, strerror (errno));
      goto fail_unlink;
    }
  free (tmp);
  free (h.s);
  return NN_OK;

write_error:
  nn_set_error (err, "cannot write “%s”: %s", tmp, strerror (errno));
  if (f != NULL)
    fclose (f);
fail_unlink:
  unlink (tmp);
fail:
  free (tmp);
  free (h.s);
  return NN_ERROR;
}

/* ---- Reading ---- */

static NnModel *
load_fail (JVal *root, unsigned char *data, NnModel *m)
{
  jval_clear (root);
  free (data);
  nn_model_free (m);
  return NULL;
}

NnModel *
nn_model_load (const char *path,
               char      **err)
{
  FILE *f;
  unsigned char *data = NULL;
  long size;
  uint64_t hlen = 0;
  JParser jp = { 0 };
  JVal root = { 0 };
  const JVal *meta, *v;
  const char *arch;
  size_t n_in, n_classes, data_size, n_tensors = 0;
  NnModel *m = NULL;
  char *merr = NULL;
  struct stat st;

  if ((f = fopen (path, "rb")) == NULL)
    {
      nn_set_error (err, "cannot open model “%s”: %s", path, strerror (errno));
      return NULL;
    }
  if (fstat (fileno (f), &st) != 0 || !S_ISREG (st.st_mode))
    {
      nn_set_error (err, "cannot read model “%s”: not a regular file", path);
      fclose (f);
      return NULL;
    }
  if (fseek (f, 0, SEEK_END) != 0 || (size = ftell (f)) < 0 || fseek (f, 0, SEEK_SET) != 0)
    {
      nn_set_error (err, "cannot read model “%s”: %s", path, strerror (errno));
      fclose (f);
      return NULL;
    }
  if (size < 8)
    {
      nn_set_error (err, "“%s” is not a safetensors model: %ld bytes, too short for a header",
                    path, size);
      fclose (f);
      return NULL;
    }
  if ((size_t) size > ((size_t) 4 << 30) || (data = malloc (size)) == NULL
      || fread (data, 1, size, f) != (size_t) size)
    {
      nn_set_error (err, "cannot read model “%s” (%ld bytes)", path, size);
      free (data);
      fclose (f);
      return NULL;
    }
  fclose (f);

  for (int i = 0; i < 8; i++)
    hlen |= (uint64_t) data[i] << (8 * i);
  if (hlen > NN_MAX_HEADER || hlen < 2)
    {
      nn_set_error (err, "“%s” is not a safetensors model: header length %llu is implausible",
                    path, (unsigned long long) hlen);
      return load_fail (&root, data, NULL);
    }
  if (hlen > (uint64_t) size - 8)
    {
      nn_set_error (err, "model “%s” is truncated: its header needs %llu bytes, the file has %ld",
                    path, (unsigned long long) hlen, size - 8);
      return load_fail (&root, data, NULL);
    }
  jp.s = jp.p = (const char *) data + 8;
  jp.end = jp.s + hlen;
  if (!jvalue (&jp, &root, 0) || (jskip (&jp), jp.p != jp.end) || root.type != J_OBJ)
    {
      nn_set_error (err, "“%s” is not a safetensors model: %s", path,
                    jp.error ? jp.error : "the header is not one JSON object");
      free (jp.error);
      return load_fail (&root, data, NULL);
    }
  data_size = (size_t) size - 8 - hlen;

  meta = jget (&root, "__metadata__");
  v = meta ? jget (meta, "format") : NULL;
  if (v == NULL || v->type != J_STR || strcmp (v->str, NN_FORMAT) != 0)
    {
      nn_set_error (err, "“%s” is a safetensors file but not an Emissary model (metadata "
                    "“format” is not “%s”)", path, NN_FORMAT);
      return load_fail (&root, data, NULL);
    }
  v = jget (meta, "architecture");
  arch = v && v->type == J_STR ? v->str : NULL;
  {
    const JVal *a = jget (meta, "n_in"), *b = jget (meta, "n_classes");
    char *e1 = NULL, *e2 = NULL;
    long ni = a && a->type == J_STR ? strtol (a->str, &e1, 10) : -1;
    long nc = b && b->type == J_STR ? strtol (b->str, &e2, 10) : -1;
    if (arch == NULL || ni <= 0 || nc <= 0 || *e1 != '\0' || *e2 != '\0')
      {
        nn_set_error (err, "model “%s”: metadata lacks a valid architecture, n_in or n_classes",
                      path);
        return load_fail (&root, data, NULL);
      }
    n_in = (size_t) ni;
    n_classes = (size_t) nc;
  }
  if (n_in > 1000000 || n_classes > 100000
      || (m = nn_model_new (arch, (int) n_in, (int) n_classes, 0, &merr)) == NULL)
    {
      nn_set_error (err, "model “%s”: %s", path, merr ? merr : "implausible shape");
      free (merr);
      return load_fail (&root, data, NULL);
    }
  for (int i = 0; i < meta->n; i++)
    {
      if (meta->items[i].type != J_STR)
        {
          nn_set_error (err, "model “%s”: metadata “%s” is not a string", path, meta->keys[i]);
          return load_fail (&root, data, m);
        }
      if (!nn_metadata_key_reserved (meta->keys[i])
          && nn_model_set_metadata (m, meta->keys[i], meta->items[i].str) != NN_OK)
        {
          nn_set_error (err, "model “%s”: cannot keep metadata “%s”", path, meta->keys[i]);
          return load_fail (&root, data, m);
        }
    }

  for (int i = 0; i < m->n_layers; i++)
    {
      const NnLayer *L = &m->layers[i];
      if (L->kind != NN_LAYER_CONV && L->kind != NN_LAYER_DENSE)
        continue;
      for (int bias = 0; bias < 2; bias++)
        {
          size_t shape[3], numel = 1, begin, end, dim;
          int rank = tensor_shape (L, bias, shape);
          char name[40];
          const JVal *t, *dt, *sh, *off;
          float *dst = m->params + (bias ? L->b_off : L->w_off);

          snprintf (name, sizeof name, "%s.%s", L->name, bias ? "bias" : "weight");
          t = jget (&root, name);
          if (t == NULL || t->type != J_OBJ)
            {
              nn_set_error (err, "model “%s” lacks the tensor “%s” its architecture needs", path,
                            name);
              return load_fail (&root, data, m);
            }
          dt = jget (t, "dtype");
          sh = jget (t, "shape");
          off = jget (t, "data_offsets");
          if (dt == NULL || dt->type != J_STR || strcmp (dt->str, "F32") != 0)
            {
              nn_set_error (err, "model “%s”: tensor “%s” is not F32", path, name);
              return load_fail (&root, data, m);
            }
          if (sh == NULL || sh->type != J_ARR || sh->n != rank)
            goto bad_shape;
          for (int d = 0; d < rank; d++)
            {
              if (!jint (&sh->items[d], 1e9, &dim) || dim != shape[d])
                goto bad_shape;
              numel *= dim;
            }
          if (off == NULL || off->type != J_ARR || off->n != 2 || !jint (&off->items[0], 1e15, &begin)
              || !jint (&off->items[1], 1e15, &end) || end < begin
              || end - begin != numel * sizeof (float))
            {
              nn_set_error (err, "model “%s”: tensor “%s” has bad data offsets", path, name);
              return load_fail (&root, data, m);
            }
          if (end > data_size)
            {
              nn_set_error (err, "model “%s” is truncated: tensor “%s” ends at byte %zu of the data, "
                            "the file holds %zu", path, name, end, data_size);
              return load_fail (&root, data, m);
            }
          memcpy (dst, data + 8 + hlen + begin, numel * sizeof (float));
#if NN_BIG_ENDIAN
          for (size_t j = 0; j < numel; j++)
            {
              uint32_t u;
              memcpy (&u, dst + j, 4);
              u = __builtin_bswap32 (u);
              memcpy (dst + j, &u, 4);
            }
#endif
          for (size_t j = 0; j < numel; j++)
            if (!isfinite (dst[j]))
              {
                nn_set_error (err, "model “%s”: tensor “%s” holds a value that is not finite",
                              path, name);
                return load_fail (&root, data, m);
              }
          n_tensors++;
          continue;

        bad_shape:
          nn_set_error (err, "model “%s”: tensor “%s” does not have the shape its architecture "
                        "“%s” needs", path, name, arch);
          return load_fail (&root, data, m);
        }
    }
  if ((size_t) root.n - (meta != NULL) != n_tensors)
    {
      nn_set_error (err, "model “%s” holds %zu tensors where its architecture has %zu", path,
                    (size_t) root.n - (meta != NULL), n_tensors);
      return load_fail (&root, data, m);
    }
  jval_clear (&root);
  free (data);
  return m;
}
