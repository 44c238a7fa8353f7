// The decode step of squall's broadcast kernel written by hand in AVX-512 C (AVX2 where the compiler targets no
// AVX-512: eight lanes instead of sixteen, nothing else changes), as a yardstick for what the same algorithm reaches
// on a machine: GQA with G = 4 query rows per KV head, D = 128, 8 KV heads, S = 16384 keys per head (4 layers
// cycled, 256 MiB of fp16 KV), tiles of T = 64 keys (dot products, online softmax, weighted sum of values), the
// stored rows prefetched PF rows ahead, the heads split over OpenMP threads.
//   gcc -O3 -march=native -ffast-math -fopenmp -DPF=16 decode-loop.c -o decode-loop -lm && ./decode-loop
//   gcc ... -DINT8 ...      int8 rows (the scales left out: one multiply per score and per weight)
// Without -ffast-math gcc keeps exp and the softmax's reductions scalar (3.1 ms a layer at fp16, 3.7 at int8);
// with it, 1.9 and 1.5 on 2026-12-02 (2-core Zen 5, a C read loop 38 GB/s with 2 threads). On a 2-core Zen 3
// (AVX2, ../2026-12-02-zen3/) the same day: mean 4.3-5.3 ms a layer at fp16 (13-15.5 GB/s), 6.5-8.2 with
// OMP_WAIT_POLICY=passive (threads that sleep between layers, as PoCL's do).
#ifdef __AVX512F__
#define W 16
#define VEC __m512
#define VZERO _mm512_setzero_ps
#define VLOADU _mm512_loadu_ps
#define VLOAD _mm512_load_ps
#define VSTORE _mm512_store_ps
#define VFMA _mm512_fmadd_ps
#define VSET1 _mm512_set1_ps
#define HSUM(v) _mm512_reduce_add_ps(v)
#ifdef INT8
#define LOADW(p) _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i*)(p))))
#else
#define LOADW(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i*)(p)))
#endif
#else
#define W 8
#define VEC __m256
#define VZERO _mm256_setzero_ps
#define VLOADU _mm256_loadu_ps
#define VLOAD _mm256_load_ps
#define VSTORE _mm256_store_ps
#define VFMA _mm256_fmadd_ps
#define VSET1 _mm256_set1_ps
#define HSUM(v) hsum8(v)
#ifdef INT8
#define LOADW(p) _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i*)(p))))
#else
#define LOADW(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i*)(p)))
#endif
#endif
#ifdef INT8
#define ELEM signed char
#define INIT ((i*7)&63)-32
#else
#define ELEM unsigned short
#define INIT 0x3c00 ^ (i&0x3ff)
#endif
// decode microbenchmark: GQA G=4, D=128, fp16 K/V, per head S rows contiguous (pages of BS rows), tiles of T keys
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <omp.h>
#ifndef T
#define T 64
#endif
#ifndef PF
#define PF 16
#endif
#define D 128
#define G 4
static inline float hsum8(__m256 v){ __m128 h=_mm_add_ps(_mm256_castps256_ps128(v),_mm256_extractf128_ps(v,1));
  h=_mm_add_ps(h,_mm_movehl_ps(h,h)); h=_mm_add_ss(h,_mm_shuffle_ps(h,h,1)); return _mm_cvtss_f32(h); }
static void head(const ELEM* K, const ELEM* V, const float* q, float* out, int S) {
  float acc[G*D] __attribute__((aligned(64))); float m[G], l[G], sc[G*T];
  for(int i=0;i<G*D;i++)acc[i]=0; for(int r=0;r<G;r++){m[r]=-INFINITY;l[r]=0;}
  for(int f=0; f<S; f+=T){
    for(int j=0;j<T;j+=2){
      const ELEM* k0=K+(size_t)(f+j)*D, *k1=k0+D;
#if PF
      for(int c=0;c<2*D*(int)sizeof(ELEM);c+=64) _mm_prefetch((const char*)k0+PF*D*sizeof(ELEM)+c, _MM_HINT_T0);
#endif
      VEC s[G][2];
      for(int r=0;r<G;r++){s[r][0]=VZERO(); s[r][1]=VZERO();}
      for(int d=0;d<D;d+=W){
        VEC a=LOADW(k0+d);
        VEC b=LOADW(k1+d);
        for(int r=0;r<G;r++){ VEC qq=VLOADU(q+r*D+d); s[r][0]=VFMA(qq,a,s[r][0]); s[r][1]=VFMA(qq,b,s[r][1]); }
      }
      for(int r=0;r<G;r++){ sc[r*T+j]=HSUM(s[r][0]); sc[r*T+j+1]=HSUM(s[r][1]); }
    }
    for(int r=0;r<G;r++){ float mx=m[r]; for(int j=0;j<T;j++) mx=fmaxf(mx,sc[r*T+j]); float c=expf(m[r]-mx); float sum=0;
      for(int j=0;j<T;j++){ float e=expf(sc[r*T+j]-mx); sc[r*T+j]=e; sum+=e;} l[r]=l[r]*c+sum; m[r]=mx;
      if(c!=1.0f) for(int d=0;d<D;d++) acc[r*D+d]*=c; }
    for(int j=0;j<T;j+=2){
      const ELEM* v0=V+(size_t)(f+j)*D, *v1=v0+D;
#if PF
      for(int c=0;c<2*D*(int)sizeof(ELEM);c+=64) _mm_prefetch((const char*)v0+PF*D*sizeof(ELEM)+c, _MM_HINT_T0);
#endif
      for(int d=0;d<D;d+=W){
        VEC a=LOADW(v0+d);
        VEC b=LOADW(v1+d);
        for(int r=0;r<G;r++){ VEC y=VLOAD(acc+r*D+d); y=VFMA(VSET1(sc[r*T+j]),a,y); y=VFMA(VSET1(sc[r*T+j+1]),b,y); VSTORE(acc+r*D+d,y);}
      }
    }
  }
  for(int r=0;r<G;r++) for(int d=0;d<D;d++) out[r*D+d]=acc[r*D+d]/l[r];
}
int main(int argc,char**argv){
  int S=16384, H=8, L=4; size_t per=(size_t)S*D; 
  ELEM* kv=aligned_alloc(64, (size_t)L*H*2*per*sizeof(ELEM));
  #pragma omp parallel for
  for(size_t i=0;i<(size_t)L*H*2*per;i++) kv[i]=INIT;
  float q[H*G*D], out[H*G*D]; for(int i=0;i<H*G*D;i++) q[i]=0.01f*(i%7);
  double best=1e9, tot=0; int reps=10;
  for(int rep=0;rep<reps;rep++) for(int layer=0;layer<L;layer++){
    double t=omp_get_wtime();
    #pragma omp parallel for schedule(static)
    for(int h=0;h<H;h++){ const ELEM* base=kv+((size_t)layer*H+h)*2*per; head(base, base+per, q+h*G*D, out+h*G*D, S); }
    t=omp_get_wtime()-t; if(rep>0){ tot+=t; if(t<best)best=t; }
  }
  double mean=tot/((reps-1)*L);
  printf("T=%d PF=%d: best %.3f ms mean %.3f ms per layer, %.1f GB/s (mean) out %g\n", T, PF, best*1e3, mean*1e3, H*2*per*sizeof(ELEM)/mean/1e9, out[5]);
}
